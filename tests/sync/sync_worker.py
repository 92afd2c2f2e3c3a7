"""The nightly registration sync in its own, killable process: `python -m tests.sync.sync_worker
--ladok-url URL --inspera-url URL --database-url URL --home DIR [--batch N]`.

Points examflow at the stand-ins and the store through its environment, prints `ready`, then runs
what `flows/registration_sync.py` runs, without Prefect's engine around it: the syncable
occasions, and for each batch of `--batch` occasions `sync_from_register.fn` then
`push_to_platform.fn`, printing `batch I of N synced` and `batch I of N pushed` as each lands, and
last the run's totals as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def nightly(batch_size: int, progress: bool = False) -> dict[str, int]:
    """The flow's loop over batches, with its totals (the flow's own, small batches here)."""
    from tasks.registration import list_syncable_occasions, push_to_platform, sync_from_register

    occasion_uids = list_syncable_occasions.fn()
    batches = [occasion_uids[i : i + batch_size] for i in range(0, len(occasion_uids), batch_size)]
    totals = dict.fromkeys(
        ["adds", "removals", "extra_time_changes", "other_changes", "platform_added", "platform_removed"]
        + ["platform_extra_time_updated"],
        0,
    )
    for i, batch in enumerate(batches, 1):
        synced = sync_from_register.fn(batch)
        for name in ("adds", "removals", "extra_time_changes", "other_changes"):
            totals[name] += getattr(synced, name)
        if progress:
            print(f"batch {i} of {len(batches)} synced", flush=True)
        pushed = push_to_platform.fn(batch)
        totals["platform_added"] += pushed.added
        totals["platform_removed"] += pushed.removed
        totals["platform_extra_time_updated"] += pushed.extra_time_updated
        if progress:
            print(f"batch {i} of {len(batches)} pushed", flush=True)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ladok-url", required=True)
    parser.add_argument("--inspera-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--batch", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.update(
        {
            "EXAMFLOW_LADOK_URL": args.ladok_url,
            "EXAMFLOW_INSPERA_URL": args.inspera_url,
            "EXAMFLOW_DATABASE_URL": args.database_url,
            "EXAMFLOW_HOME": args.home,
        }
    )
    print("ready", flush=True)
    print(json.dumps(nightly(args.batch, progress=True)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
