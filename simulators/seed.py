"""`python -m simulators.seed --ladok URL [--occasions N --students N --seed S]`: load a term.

Posts a TermSpec to a running Ladok stand-in, which replaces its state with the generated term,
and prints what was loaded.
"""

from __future__ import annotations

import argparse
import json
import sys

import httpx
from pydantic import ValidationError

from simulators.term import TermSpec


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = TermSpec()
    parser = argparse.ArgumentParser(description="load a generated term into the Ladok stand-in")
    parser.add_argument("--ladok", required=True, help="the stand-in's base URL, e.g. http://127.0.0.1:8710")
    parser.add_argument("--occasions", type=int, default=defaults.occasions)
    parser.add_argument("--students", type=int, default=defaults.students)
    parser.add_argument("--course-rounds", type=int, default=None, help="default: one per two occasions")
    parser.add_argument("--registrations", type=int, default=None, help="default: one per student")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--prefix", default=defaults.prefix, help="anonymisation code prefix")
    parser.add_argument("--json", action="store_true", help="print the whole summary as JSON")
    return parser.parse_args(argv)


def spec_from(args: argparse.Namespace) -> TermSpec:
    return TermSpec(
        seed=args.seed,
        occasions=args.occasions,
        students=args.students,
        course_rounds=args.course_rounds or max(1, args.occasions // 2),
        registrations=args.registrations,
        prefix=args.prefix,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        spec = spec_from(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors())
        print(f"bad term: {problems}", file=sys.stderr)
        return 2
    url = args.ladok.rstrip("/") + "/_sim/term"
    try:
        response = httpx.post(url, json=spec.model_dump(), timeout=300)
    except httpx.HTTPError as exc:
        print(f"could not reach the Ladok stand-in at {args.ladok}: {exc}", file=sys.stderr)
        return 1
    if response.status_code >= 400:
        print(f"the stand-in refused the term ({response.status_code}): {response.text}", file=sys.stderr)
        return 1
    summary = response.json()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"loaded seed {spec.seed}: {len(summary['occasions'])} occasions, "
            f"{summary['course_rounds']} course rounds, {summary['students']} students, "
            f"{summary['registrations']} registrations"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
