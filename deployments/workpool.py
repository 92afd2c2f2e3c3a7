"""examflow on several machines: the deployments of `prefect.yaml` on a Prefect `process` work pool
named `examflow`, with as many workers as there are machines (README, "On several machines").

What the machines share, each named by a setting: the Prefect server (`PREFECT_API_URL`), whose own
database is PostgreSQL (`PREFECT_API_DATABASE_CONNECTION_URL`, `postgresql+asyncpg://…`);
examflow's store (`EXAMFLOW_DATABASE_URL`, PostgreSQL); examflow's folder (`EXAMFLOW_HOME`: the
outbox, the uploads, the files the flows write, the signing key when `EXAMFLOW_SECRET` is not set)
on a shared mount; and Prefect's result storage, a `LocalFileSystem` block on a shared mount made
the server's default (`prefect result-storage set`), so that a suspended run resumed on another
machine finds its tasks' persisted results there and replays from them instead of doing them
again. Nothing else: each worker has its own home and working folder.

`python -m deployments.workpool share-results FOLDER` saves the block and makes it the default.
`WorkPool` runs the README's commands against a `Stack` on this machine, each worker a process with
a home of its own as if on a machine of its own; the scale-out test and `bench/scale.py` use it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deployments.sample import STOCKHOLM, hold_this_morning
from deployments.stack import Stack, StackError
from models.settings import REPO_ROOT

POOL = "examflow"
RESULTS_BLOCK = "examflow-results"  # a LocalFileSystem block: local-file-system/examflow-results
SUBMITTED = re.compile(r"submitting flow run '([0-9a-f-]{36})'")


def share_results(folder: Path) -> None:
    """Saves a `LocalFileSystem` block over `folder` (a mount every machine has at the same path)
    and makes it the server's default result storage, which every flow run then persists to.
    Prefect 3: `prefect result-storage set <block-type>/<name>` sets the server's default, read
    by a run when PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK is not set where it runs."""
    from prefect.client.orchestration import get_client
    from prefect.filesystems import LocalFileSystem

    folder.mkdir(parents=True, exist_ok=True)
    block = LocalFileSystem(basepath=str(folder.resolve()))
    block_id: UUID = block.save(RESULTS_BLOCK, overwrite=True)  # type: ignore[assignment]  # Prefect types its sync-or-async methods as T | Coroutine; from sync code they return T
    with get_client(sync_client=True) as client:
        client.update_server_default_result_storage(block_id)


@dataclass
class WorkPool:
    """The work pool way on one machine: `set_up` runs the one-off commands, `start_worker` starts
    `prefect worker start --pool examflow` as one more machine would."""

    stack: Stack
    results: Path  # the shared folder of Prefect's results
    workers: list[str] = field(default_factory=list)
    started: int = 0

    def command(self, *args: str) -> None:
        """One command of the README's, run with this interpreter against the stack's server;
        raises with its output if it fails."""
        done = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=REPO_ROOT,
            env=self.stack.env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise StackError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def set_up(self) -> None:
        """The pool, the shared result storage, every deployment of prefect.yaml on the pool and the
        stuck-run automations. `prefect deploy` writes EXAMFLOW_REPO, as set here, into each
        deployment's pull step: the path of the checkout on every worker's machine."""
        self.command("prefect", "work-pool", "create", POOL, "--type", "process")
        self.command("deployments.workpool", "share-results", str(self.results))
        self.command("prefect", "--no-prompt", "deploy", "--all")
        self.command("deployments.automations")

    def machine(self, name: str) -> Path:
        """The folder standing for a worker's machine: its home, Prefect's home and its working folder."""
        return self.stack.home / "machines" / name

    def start_worker(self) -> str:
        """One more worker, in a home of its own; returns its name once the server lists it."""
        self.started += 1
        name = f"worker-{self.started}"
        home = self.machine(name)
        (home / "prefect").mkdir(parents=True, exist_ok=True)
        env = {
            **self.stack.env(),
            "HOME": str(home),
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_WORKER_QUERY_SECONDS": "1",  # a resumed or next-phase run starts within a second
        }
        for deploy_time_only in ("PYTHONPATH", "EXAMFLOW_REPO"):  # the pull step's folder is enough
            env.pop(deploy_time_only, None)
        # no `--limit`: Prefect 3.8's worker, limited, can be handed a run it already holds and
        # then stops on "this borrower is already holding one of this CapacityLimiter's tokens"
        # (PrefectHQ/prefect#16806); seen here when resumed runs came back to a limited worker
        args = ("-m", "prefect", "worker", "start", "--pool", POOL, "--name", name)
        self.stack._spawn(name, *args, env=env, cwd=home)
        self.stack._wait(name, lambda: name in self.listed(), timeout=120)
        self.workers.append(name)
        return name

    def listed(self) -> set[str]:
        """The names of the pool's workers the server has heard from."""
        url = f"{self.stack.api_url}/work_pools/{POOL}/workers/filter"
        try:
            response = httpx.post(url, json={}, timeout=5)
        except httpx.HTTPError:
            return set()
        return {w["name"] for w in response.json()} if response.status_code == 200 else set()

    def kill_workers(self) -> None:
        """SIGKILLs every worker and the flow runs it started, as if their machines went down."""
        for name in self.workers:
            self.stack.kill(name)
        self.workers.clear()

    def submitted(self, name: str) -> set[str]:
        """The ids of the flow runs the named worker started, read from its log."""
        log = self.stack.home / "logs" / f"{name}.log"
        return set(SUBMITTED.findall(log.read_text(errors="replace"))) if log.exists() else set()


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


def exam_statuses(store_url: str) -> dict[str, str]:
    """Each exam's status in examflow's store (`archived` once its case is filed), by occasion."""
    engine = create_engine(store_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM occasions")).all()
    engine.dispose()
    return {row.id: row.status for row in rows}


def exam_params(stack: Stack, ladok: str, occasion: str) -> dict[str, Any]:
    """A Swedish lifecycle's parameters for an exam of the register held in a window that ended
    this morning (so it runs through without waiting for a clock)."""
    starts, ends = hold_this_morning(ladok, occasion, stack.home / "uploads")
    local_start, local_end = starts.astimezone(STOCKHOLM), ends.astimezone(STOCKHOLM)
    times = {
        "exam_date": local_start.date().isoformat(),
        "start_time": local_start.time().isoformat(timespec="minutes"),
        "end_time": local_end.time().isoformat(timespec="minutes"),
    }
    return {"occasion_uid": occasion, "times": times, "country": "SE"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="examflow on a Prefect work pool")
    commands = parser.add_subparsers(dest="command", required=True)
    results = commands.add_parser("share-results", help=share_results.__doc__.splitlines()[0])  # type: ignore[union-attr]
    results.add_argument("folder", type=Path, help="a folder every worker's machine mounts at this path")
    args = parser.parse_args(argv)
    share_results(args.folder)
    print(f"Prefect's results now go to {args.folder.resolve()} (block local-file-system/{RESULTS_BLOCK})")


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    main()
