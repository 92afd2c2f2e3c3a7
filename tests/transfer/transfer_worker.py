"""A transfer in its own, killable process: `python -m tests.transfer.transfer_worker OCCASION
--ladok-url URL --database-url URL --home DIR [--lease-seconds S]`.

Points examflow at the stand-in and the store through its environment, prints `ready`, then runs
`transfer_results.fn(OCCASION)` with its progress lines on stdout, and prints the outcome as JSON.
`--lease-seconds` shortens `tasks.transfer.LEASE` (the lease a killed transfer leaves behind), so a
test can resume after a SIGKILL without waiting the production lease out.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import timedelta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("occasion")
    parser.add_argument("--ladok-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--lease-seconds", type=float)
    args = parser.parse_args(argv)
    os.environ.update(
        {
            "EXAMFLOW_LADOK_URL": args.ladok_url,
            "EXAMFLOW_DATABASE_URL": args.database_url,
            "EXAMFLOW_HOME": args.home,
        }
    )
    from tasks import transfer  # imported after the environment is set: settings are read once

    if args.lease_seconds is not None:
        transfer.LEASE = timedelta(seconds=args.lease_seconds)
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(message)s")
    logging.getLogger("tasks.transfer").setLevel(logging.INFO)
    print("ready", flush=True)
    try:
        outcome = transfer.transfer_results.fn(args.occasion)
    except transfer.TransferBusy as exc:
        print(f"busy: {exc}", flush=True)
        return 3
    print(outcome.model_dump_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
