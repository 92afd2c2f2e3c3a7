"""Several machines: the README's scale-out section, run. A Prefect server on PostgreSQL, examflow's
store on PostgreSQL, the `process` work pool `examflow` with every deployment of prefect.yaml
(`prefect deploy --all`), the server's default result storage a folder every machine shares, and two
workers (`prefect worker start --pool examflow`), each in a home of its own as on a machine of its
own. Three Swedish exams' lifecycles run at once; while their plans wait suspended for approval
both workers are SIGKILLed (with any flow run they hold) and two fresh ones started; every approval
is then answered with its mailed code. Each exam is archived once, every run of it completes,
nothing is written twice (the stand-ins count the requests they handled by route, the mail folder
holds one code per approver per approval), both fresh workers ran flow runs, and nothing was kept
where only one machine would find it (no SQLite file, no result under a worker's own home)."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deployments import approver
from deployments.demo import check_failures, flow_name, flow_runs, wait_until_idle
from deployments.sample import seed_term
from deployments.stack import Stack, default_ports
from deployments.workpool import WorkPool, asyncpg_url, exam_params, exam_statuses, fresh_database
from simulators.server import free_port
from tests.conftest import examflow_environment, postgres_url_or_skip

pytestmark = [pytest.mark.scaleout, pytest.mark.postgres]

EXAMS = 3
CANDIDATES = 6  # students of the term per exam
TIMEOUT = 600
LIFECYCLE = {"lifecycle", "plan-exam", "registration-sync", "exam-day", "grading", "result-transfer"}


def wait(until: Any, what: str, outbox: Path | None = None) -> None:
    """Waits until `until()` holds, answering approvals meanwhile when `outbox` is given."""
    answered: set[tuple[str, str]] = set()
    deadline = time.monotonic() + TIMEOUT
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {TIMEOUT} s")
        check_failures()
        if outbox is not None:
            approver.answer_waiting(outbox, answered, "checked by the scale-out test")
        time.sleep(0.5)


def plans_waiting() -> bool:
    return len(approver.paused_runs("plan-exam")) == EXAMS


def lifecycles(stack: Stack, pool: WorkPool, occasions: list[str], store_url: str) -> dict[str, Any]:
    """Starts every lifecycle at once; with every plan suspended, replaces the workers; answers
    every approval until each exam is archived."""
    from prefect.deployments import run_deployment

    ladok = stack.env()["EXAMFLOW_LADOK_URL"]
    for occasion in occasions:
        params = exam_params(stack, ladok, occasion)
        run_deployment("lifecycle/local", parameters={"params": params}, timeout=0)
    wait(plans_waiting, "every plan suspended for its approval")
    wait_until_idle(60)
    first = list(pool.workers)
    pool.kill_workers()
    fresh = [pool.start_worker(), pool.start_worker()]
    outbox = stack.home / "outbox"
    wait(
        lambda: all(exam_statuses(store_url).get(o) == "archived" for o in occasions),
        "every exam archived",
        outbox,
    )
    wait_until_idle(60)
    # the exams' runs, not those the deployments' schedules made for tonight
    runs = [
        r for name in LIFECYCLE | {"archive-closed-cases"} for r in flow_runs(name) if not r.auto_scheduled
    ]
    return {
        "runs": [(flow_name(r.flow_id), r.parameters, r.state.type.value) for r in runs],
        "first": {name: pool.submitted(name) for name in first},
        "fresh": {name: pool.submitted(name) for name in fresh},
        "plans": {str(r.id) for r in runs if flow_name(r.flow_id) == "plan-exam"},
        "code_mails": Counter((m.flow_run_id, m.title, m.staff_id) for m in approver.code_mails(outbox)),
        "requests": {
            system: httpx.get(f"http://127.0.0.1:{stack.ports[system]}/_sim/faults", timeout=10).json()[
                "requests"
            ]
            for system in ("ladok", "inspera", "archive")
        },
        "statuses": exam_statuses(store_url),
    }


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = postgres_url_or_skip("run the scale-out test")
    home = tmp_path_factory.mktemp("scaleout")
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with (
        fresh_database(server, f"scaleout_prefect_{suffix}") as prefect_db,
        fresh_database(server, f"scaleout_store_{suffix}") as store_db,
    ):
        settings = {
            "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_db),
            "EXAMFLOW_DATABASE_URL": store_db,
        }
        stack = Stack(home / "shared", {name: free_port() for name in default_ports()}, settings=settings)
        pool = WorkPool(stack, home / "shared-results")
        env = stack.env()
        try:
            stack.start_services()
            stack.prepare_store()
            term = {"seed": 19, "course_rounds": EXAMS, "occasions": EXAMS, "students": EXAMS * CANDIDATES}
            occasions = seed_term(env["EXAMFLOW_LADOK_URL"], **term)
            pool.set_up()
            pool.start_worker()
            pool.start_worker()
            with examflow_environment({k: v for k, v in env.items() if k.startswith("EXAMFLOW_")}):
                with stack.in_this_process():
                    summary = lifecycles(stack, pool, occasions, store_db)
        finally:
            stack.stop()
        yield {**summary, "occasions": occasions, "home": home, "pool": pool}


def test_each_exam_completes_once_on_two_workers(scaled: dict[str, Any]) -> None:
    occasions = scaled["occasions"]
    assert {scaled["statuses"][o] for o in occasions} == {"archived"}
    assert {state for _, _, state in scaled["runs"]} == {"COMPLETED"}, scaled["runs"]
    per_flow = Counter(name for name, _, _ in scaled["runs"])
    # one run of each phase per exam (plus the lifecycle), none started twice by a replay
    assert {name: per_flow[name] for name in LIFECYCLE} == {name: EXAMS for name in LIFECYCLE}
    closed = Counter(
        uid
        for name, p, _ in scaled["runs"]
        if name == "archive-closed-cases"
        for uid in p["params"]["occasion_uids"]
    )
    assert closed == dict.fromkeys(occasions, 1)


def test_workers_replaced_while_runs_wait_and_both_fresh_ones_run_flows(scaled: dict[str, Any]) -> None:
    first, fresh = scaled["first"], scaled["fresh"]
    assert len(first) == len(fresh) == 2
    assert set(first).isdisjoint(fresh)
    assert all(ids for ids in fresh.values()), fresh
    # every plan was started by a worker now gone and resumed by a fresh one
    plans = scaled["plans"]
    assert len(plans) == 3
    assert plans <= set().union(*first.values()) and plans <= set().union(*fresh.values())


def test_nothing_written_twice(scaled: dict[str, Any]) -> None:
    assert set(scaled["code_mails"].values()) == {1}, scaled["code_mails"]
    platform = scaled["requests"]["inspera"]
    writes = {
        call: n
        for call, n in platform.items()
        if not call.startswith("GET") and "/authenticate/" not in call and "/fileExport/" not in call
    }
    assert writes == {
        "POST /api/v1/test": EXAMS,  # made once each plan is approved, not again on the resume
        "POST /api/v1/test/{test_id}/options": EXAMS,
        "POST /api/v1/test/{test_id}/candidates": EXAMS,
        "POST /api/v1/test/{test_id}/status": 4 * EXAMS,
        "POST /api/v1/test/{test_id}/committees": EXAMS,
        "POST /api/v1/test/{test_id}/contributors": EXAMS,
        "POST /api/v1/test/{test_id}/committees/candidates/move": EXAMS,
    }, platform


def test_nothing_kept_where_one_machine_alone_would_find_it(scaled: dict[str, Any]) -> None:
    home: Path = scaled["home"]
    machines = sorted((home / "shared" / "machines").iterdir())
    assert [m.name for m in machines] == ["worker-1", "worker-2", "worker-3", "worker-4"]
    for machine in machines:  # a worker's home: at most Prefect's own settings, no result, no store
        kept = {p.name for p in machine.rglob("*") if p.is_file()}
        assert kept <= {"profiles.toml", "memo_store.toml"}, (machine.name, sorted(kept))
    shared = home / "shared"
    databases = [p for p in shared.rglob("*.db") if "simulators" not in p.relative_to(shared).parts]
    assert databases == [], "no SQLite file but the stand-ins' own state: the store is PostgreSQL"
    assert any((home / "shared-results").iterdir()), "the tasks' results are in the shared folder"
