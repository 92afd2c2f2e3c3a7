"""What Prefect costs a lifecycle (P3): one exam's phases as flows against the same tasks called
directly, phase by phase, and how many task runs an exam makes at two sizes.

`python -m bench.overhead [--candidates 1000 --count-at 10000]`

Under Prefect: the phases' flows (plan-exam, registration-sync, exam-day, grading,
result-transfer, archive) called in this process one after the other, without chaining, under a
temporary Prefect server (`prefect_test_harness`); each approval pauses its run and is answered
from another thread by a scripted approver reading the mailed code, as a person at the UI would.
Directly: the same tasks' bodies (`task.fn`) in the order the flows call them, each approval
opened and answered through the same store steps (`tests/flows/exams.py`), without a wait.
Each side has a world of its own, made the same way: the stand-ins, served in this process on
loopback, a fresh SQLite store, and a term whose exam (Swedish, its window passed, so exam day
closes at once) is sat by `--candidates` students; so neither side's similarity check compares
its papers with the other side's. The task runs are counted on the Prefect server for the flows
at `--candidates` and again for a third world's exam at `--count-at`.

The last line reads `vs_direct=<prefect/direct> task_runs_1k=<n> task_runs_10k=<n>` (the sizes
are those asked for; the names keep the issue's defaults).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from bench.common import run_and_print, timed
from flows.archive import archive
from flows.exam_day import exam_day
from flows.grading import grading
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from flows.result_transfer import result_transfer
from models.domain import Role
from models.params import GradeExam, OccasionStep, PlanExam, SyncRegistrations
from models.systems import LADOK, SYSTEMS
from simulators.server import serve_in_thread
from store.db import engine_for
from tasks.planning import check_plan, create_platform_test, fetch_occasion, plan_times, save_plan
from tests.conftest import examflow_environment
from tests.flows.conftest import FS_PASSWORD, FS_USER, World, _store, approving, past_window, stand_in
from tests.flows.exams import RULE, STEPS, Exam, Phase

# Who answers the lifecycle's approvals: the plan, each grader's own grading and the joint one,
# the transfer.
LATER_PHASES = (Phase.SYNCED, Phase.EXAMINED, Phase.GRADED, Phase.TRANSFERRED, Phase.ARCHIVED)
APPROVERS = ("staff-coordinator-1", "staff-examiner-1", "staff-grader-ext-1", "staff-planner-1")
PHASES = ("plan-exam", "registration-sync", "exam-day", "grading", "result-transfer", "archive")
COUNTRY = "SE"


@contextmanager
def world(directory: Path, candidates: int) -> Iterator[World]:
    """The stand-ins in this process, a migrated SQLite store with the staff, and a term of two
    occasions each sat by every one of `candidates` students; examflow's settings point at them."""
    directory.mkdir(parents=True)
    engine = _store(directory)
    with ExitStack() as stack:
        urls = {s.name: stack.enter_context(serve_in_thread(stand_in(s, directory))) for s in SYSTEMS}
        env = {
            "EXAMFLOW_HOME": str(directory),
            "EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            **{s.url_env: f"{urls[s.name]}{s.url_path}" for s in SYSTEMS},
            "EXAMFLOW_FS_USER": FS_USER,
            "EXAMFLOW_FS_PASSWORD": FS_PASSWORD,
        }
        stack.enter_context(examflow_environment(env))
        term = {
            "seed": 11,
            "course_rounds": 1,
            "occasions": 2,
            "students": candidates,
            "registrations": 2 * candidates,
        }
        loaded = httpx.post(f"{urls[LADOK.name]}/_sim/term", json=term, timeout=600)
        loaded.raise_for_status()
        yield World(directory, urls, [], list(loaded.json()["occasions"]))
        engine.dispose()
        engine_for.cache_clear()


def plan_directly(exam: Exam) -> None:
    """plan-exam's tasks for a Swedish exam (`Exam.plan`'s steps, whose exam is Norwegian)."""
    params = PlanExam(
        occasion_uid=exam.occasion, times=exam.times, code_prefix="TDA", country=COUNTRY, grading=RULE
    )
    occasion, rounds = fetch_occasion.fn(exam.occasion)
    window = plan_times.fn(params.times, occasion, rounds)
    save_plan.fn(params, occasion, rounds, window, check_plan.fn(occasion, rounds, window))
    exam.approve("plan", Role.COORDINATOR, "staff-coordinator-1")
    create_platform_test.fn(params, occasion, window)


def direct(exam: Exam) -> dict[str, float]:
    """The phases' task bodies one after the other; the seconds of each."""
    steps: list[Callable[[], Any]] = [
        lambda: plan_directly(exam),
        *(lambda phase=phase: STEPS[phase](exam) for phase in LATER_PHASES),
    ]
    return {name: timed(step)[0] for name, step in zip(PHASES, steps, strict=True)}


def under_prefect(exam: Exam) -> tuple[dict[str, float], list[UUID]]:
    """The phases' flows one after the other; the seconds of each and the ids of their runs."""
    uid = exam.occasion
    plan = PlanExam(occasion_uid=uid, times=exam.times, code_prefix="TDA", country=COUNTRY, grading=RULE)
    calls: list[Callable[[], Any]] = [
        lambda: plan_exam(plan, return_state=True),
        lambda: registration_sync(SyncRegistrations(occasion_uids=[uid]), return_state=True),
        lambda: exam_day(OccasionStep(occasion_uid=uid), return_state=True),
        lambda: grading(GradeExam(occasion_uid=uid), return_state=True),
        lambda: result_transfer(OccasionStep(occasion_uid=uid), return_state=True),
        lambda: archive(OccasionStep(occasion_uid=uid), return_state=True),
    ]
    runs, seconds = [], {}
    with ExitStack() as stack:
        for staff_id in APPROVERS:
            stack.enter_context(approving(exam.world.outbox, staff_id))
        for name, call in zip(PHASES, calls, strict=True):
            seconds[name], state = timed(call)
            if not state.is_completed():
                raise RuntimeError(f"a phase of {uid} ended {state.name}: {state.message}")
            runs.append(state.state_details.flow_run_id)
    return seconds, runs


def task_runs(flow_runs: list[UUID], settle_s: float = 30) -> int:
    """The task runs of these flow runs on the Prefect server, once their count stops moving
    (the server records them from events, a moment after the run)."""
    body = {"flow_runs": {"id": {"any_": [str(r) for r in flow_runs]}}}
    seen, deadline = -1, time.monotonic() + settle_s
    while True:
        answer = httpx.post(f"{PREFECT_API_URL.value()}/task_runs/count", json=body, timeout=30)
        answer.raise_for_status()
        count = int(answer.json())
        if count == seen or time.monotonic() > deadline:
            return count
        seen = count
        time.sleep(2)


def exam(w: World) -> Exam:
    occasion = w.fresh_occasion()
    return Exam(w, occasion, w.reschedule(occasion, *past_window()))


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        with world(directory / "direct", args.candidates) as w:
            direct_phases = direct(exam(w))
        with world(directory / "prefect", args.candidates) as w:
            prefect_phases, runs = under_prefect(exam(w))
            small = task_runs(runs)
        with world(directory / "count", args.count_at) as w:
            large_phases, runs = under_prefect(exam(w))
            large = task_runs(runs)
    return {
        "candidates": args.candidates,
        "count_at": args.count_at,
        "direct": direct_phases,
        "prefect": prefect_phases,
        "large": large_phases,
        "task_runs_small": small,
        "task_runs_large": large,
        "load": os.getloadavg(),
    }


def report(f: dict[str, Any]) -> str:
    direct_s, prefect_s, large_s = (sum(f[side].values()) for side in ("direct", "prefect", "large"))
    large_label = f"flows at {f['count_at']:,}"
    rows = [
        f"{name:<20}{f['direct'][name]:>10.2f}{f['prefect'][name]:>10.2f}"
        f"{f['prefect'][name] - f['direct'][name]:>+10.2f}{f['large'][name]:>18.2f}"
        for name in PHASES
    ]
    return "\n".join(
        [
            f"one exam's lifecycle (plan to archive, 4 approvals answered by a script) at {f['candidates']:,} "
            f"candidates; load average at the end {', '.join(f'{x:.1f}' for x in f['load'])}",
            f"{'phase (seconds)':<20}{'direct':>10}{'flows':>10}{'added':>10}{large_label:>18}",
            *rows,
            f"{'whole lifecycle':<20}{direct_s:>10.2f}{prefect_s:>10.2f}{prefect_s - direct_s:>+10.2f}{large_s:>18.2f}",
            f"{'task runs':<20}{'-':>10}{f['task_runs_small']:>10,}{'':>10}{f['task_runs_large']:>18,}",
            f"vs_direct={prefect_s / direct_s:.2f} "
            f"task_runs_1k={f['task_runs_small']} task_runs_10k={f['task_runs_large']}",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1_000, help="the exam timed both ways")
    parser.add_argument(
        "--count-at", type=int, default=10_000, help="a second exam whose task runs are counted"
    )
    run_and_print(parser.parse_args(argv), "bench-overhead-", run, report)


if __name__ == "__main__":
    main()
