"""Several exams' lifecycles at once on the work pool with one worker and with two, on PostgreSQL.

`python -m bench.scale --database-url postgresql+psycopg://USER:PASS@HOST:PORT/DB [--exams 20 --candidates 50]`

Each run sets up what the README's "On several machines" says, on this machine, in a fresh folder
(`deployments/workpool.py`, as the scale-out test does): a Prefect server whose own database is a
fresh PostgreSQL database, examflow's store a second fresh PostgreSQL database (both made on the
server `--database-url` names, whose user may create databases, and dropped afterwards), the
stand-ins, the `process` work pool `examflow` with every deployment of `prefect.yaml`, the shared
result storage, and one or two `prefect worker start --pool examflow` processes (the server gives
each flow run to one of them). The exams are Swedish, the register's occasions of one term, each
moved to a window that ended this morning; all their lifecycles are started at once, every
approval is answered by a script reading the mailed code as soon as its run waits, and the clock
stops when every exam is archived in the store. A failed or crashed run fails the bench.

The last line reads `vs_one_worker=<two workers' time / one worker's>`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.common import run_and_print
from deployments import approver
from deployments.demo import check_failures
from deployments.sample import seed_term
from deployments.stack import Stack, default_ports
from deployments.workpool import WorkPool, asyncpg_url, exam_params, exam_statuses, fresh_database
from simulators.server import free_port

WORKERS = (1, 2)


def lifecycles(stack: Stack, params: list[dict[str, Any]], store_url: str, timeout: float) -> float:
    """Starts every lifecycle at once and answers approvals until all are archived; the seconds."""
    from prefect.deployments import run_deployment

    answered: set[tuple[str, str]] = set()
    start = time.perf_counter()
    for p in params:
        run_deployment("lifecycle/local", parameters={"params": p}, timeout=0)
    deadline = time.monotonic() + timeout
    occasions = [p["occasion_uid"] for p in params]
    while not all(exam_statuses(store_url).get(o) == "archived" for o in occasions):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every exam was archived within {timeout:.0f} s")
        approver.answer_waiting(stack.home / "outbox", answered, "checked by the bench")
        check_failures()
        time.sleep(0.5)
    return time.perf_counter() - start


def one_run(args: argparse.Namespace, directory: Path, workers: int) -> float:
    with (
        fresh_database(args.database_url, f"bench_scale_prefect_{workers}") as prefect_db,
        fresh_database(args.database_url, f"bench_scale_examflow_{workers}") as store_db,
    ):
        settings = {
            "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_db),
            "EXAMFLOW_DATABASE_URL": store_db,
        }
        home = directory / f"workers-{workers}"
        stack = Stack(home, {name: free_port() for name in default_ports()}, settings=settings)
        try:
            stack.start_services()
            stack.prepare_store()
            ladok = stack.env()["EXAMFLOW_LADOK_URL"]
            term = {"seed": 21, "course_rounds": args.exams, "occasions": args.exams}
            occasions = seed_term(ladok, **term, students=args.exams * args.candidates)
            params = [exam_params(stack, ladok, o) for o in occasions]
            pool = WorkPool(stack, home / "results")
            pool.set_up()
            for _ in range(workers):
                pool.start_worker()
            with stack.in_this_process():
                return lifecycles(stack, params, store_db, args.timeout)
        finally:
            stack.stop()


def run(args: argparse.Namespace, directory: Path) -> dict[str, float]:
    figures: dict[str, float] = {"exams": args.exams, "candidates": args.candidates}
    for workers in WORKERS:
        figures[f"workers_{workers}_s"] = one_run(args, directory, workers)
    return figures


def report(f: dict[str, float]) -> str:
    return "\n".join(
        [
            f"{f['exams']:.0f} exams' lifecycles at once, about {f['candidates']:.0f} candidates each, "
            "Prefect server and store on PostgreSQL",
            f"{'workers':<20}{'seconds':>10}{'per exam':>12}",
            *(
                f"{workers:<20}{f[f'workers_{workers}_s']:>10.1f}{f[f'workers_{workers}_s'] / f['exams']:>10.1f} s"
                for workers in WORKERS
            ),
            f"vs_one_worker={f['workers_2_s'] / f['workers_1_s']:.2f}",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL server whose user may create databases"
    )
    parser.add_argument("--exams", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=50, help="students per exam (about)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per run")
    run_and_print(parser.parse_args(argv), "bench-scale-", run, report)


if __name__ == "__main__":
    main()
