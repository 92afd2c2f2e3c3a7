"""Several exams' lifecycles at once with one serving worker and with two, on PostgreSQL.

`python -m bench.scale --database-url postgresql+psycopg://USER:PASS@HOST:PORT/DB [--exams 20 --candidates 50]`

Each run starts the local stack of `make run` on free ports in a fresh folder: a Prefect server
whose own database is a fresh PostgreSQL database, examflow's store a second fresh PostgreSQL
database (both made on the server `--database-url` names, whose user may create databases, and
dropped afterwards), the stand-ins, and one or two processes serving every deployment of
`prefect.yaml` (`deployments.serve`, the `make run` way of running flows; both poll the same
deployments and the server gives each run to one). The exams are the register's occasions of one
term, each moved to a window that ended this morning; all their lifecycles are started at once,
every approval is answered by a script reading the mailed code as soon as its run waits, and the
clock stops when every exam's archive run has completed. A failed or crashed run, or an exam
archived twice, fails the bench.

The last line reads `vs_one_worker=<two workers' time / one worker's>`.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import run_and_print
from deployments import approver
from deployments.demo import check_failures, flow_runs
from deployments.sample import STOCKHOLM, hold_this_morning, seed_term
from deployments.serve import PREFECT_YAML, deployments
from deployments.stack import Stack, default_ports
from simulators.server import free_port

WORKERS = (1, 2)


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url`; its URL. Dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def asyncpg_url(url: str) -> str:
    """The same database for the Prefect server, which speaks asyncpg."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Sets these variables for this process and the stack's children (`Stack.env` copies them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def add_worker(stack: Stack, number: int, expected: int) -> None:
    """One more process serving every deployment; ready once it has registered them again."""
    started = datetime.now(UTC)
    name = f"serve-{number}"
    stack._spawn(name, "-m", "deployments.serve")

    def registered() -> bool:
        response = httpx.post(f"{stack.api_url}/deployments/filter", json={}, timeout=5)
        if response.status_code != 200:
            return False
        return sum(datetime.fromisoformat(d["updated"]) >= started for d in response.json()) >= expected

    stack._wait(name, registered, timeout=180)


def exam_params(stack: Stack, ladok: str, occasion: str) -> dict[str, Any]:
    """The lifecycle's parameters for an exam held in a window that ended this morning."""
    starts, ends = hold_this_morning(ladok, occasion, stack.home / "uploads")
    local_start, local_end = starts.astimezone(STOCKHOLM), ends.astimezone(STOCKHOLM)
    times = {
        "exam_date": local_start.date().isoformat(),
        "start_time": local_start.time().isoformat(timespec="minutes"),
        "end_time": local_end.time().isoformat(timespec="minutes"),
    }
    return {"occasion_uid": occasion, "times": times, "country": "NO"}


def answer_waiting(outbox: Path, answered: set[tuple[str, str]]) -> None:
    """Answers each waiting approval once with the code mailed for it."""
    for run in approver.paused_runs():
        mail = approver.mail_for(outbox, str(run.id))
        if mail is None or (str(run.id), mail.code) in answered:
            continue
        approver.answer(run.id, mail, comment="checked by the bench")
        answered.add((str(run.id), mail.code))


def archived(exams: int) -> bool:
    """Whether every exam's archive run has completed; an exam archived twice fails the bench."""
    done = [r for r in flow_runs("archive") if r.state is not None and r.state.is_completed()]
    occasions = [r.parameters["params"]["occasion_uid"] for r in done]
    if len(set(occasions)) != len(occasions):
        raise RuntimeError(f"an exam was archived twice: {sorted(occasions)}")
    return len(done) >= exams


def lifecycles(stack: Stack, params: list[dict[str, Any]], timeout: float) -> float:
    """Starts every lifecycle at once and answers approvals until all are archived; the seconds."""
    from prefect.deployments import run_deployment

    answered: set[tuple[str, str]] = set()
    start = time.perf_counter()
    for p in params:
        run_deployment("lifecycle/local", parameters={"params": p}, timeout=0)
    deadline = time.monotonic() + timeout
    while not archived(len(params)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every exam was archived within {timeout:.0f} s")
        answer_waiting(stack.home / "outbox", answered)
        check_failures()
        time.sleep(0.5)
    return time.perf_counter() - start


def one_run(args: argparse.Namespace, directory: Path, workers: int) -> float:
    with (
        fresh_database(args.database_url, f"bench_scale_prefect_{workers}") as prefect_db,
        fresh_database(args.database_url, f"bench_scale_examflow_{workers}") as store_db,
        environment(
            {
                "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_db),
                "EXAMFLOW_DATABASE_URL": store_db,
                "EXAMFLOW_NORWAY_REGISTER": "ladok",
            }
        ),
    ):
        stack = Stack(directory / f"workers-{workers}", {name: free_port() for name in default_ports()})
        try:
            stack.start_services()
            stack.prepare_store()
            ladok = stack.env()["EXAMFLOW_LADOK_URL"]
            term = {"seed": 21, "course_rounds": args.exams, "occasions": args.exams}
            occasions = seed_term(ladok, **term, students=args.exams * args.candidates)
            params = [exam_params(stack, ladok, o) for o in occasions]
            expected = len(deployments(PREFECT_YAML))
            stack.serve_deployments(expected)
            for number in range(2, workers + 1):
                add_worker(stack, number, expected)
            with stack.in_this_process():
                return lifecycles(stack, params, args.timeout)
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
            f"{'serving workers':<20}{'seconds':>10}{'per exam':>12}",
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
