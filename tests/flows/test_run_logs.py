"""What a run did, read back from its log on the Prefect server: real flows (plan, sync, exam day,
grading) on an occasion of their own, and a client's retry line from inside a run. Every log line of
those runs is searched for the students' names, emails and national ids and for the approval codes
that were mailed: none may appear."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler
from prefect.states import State

import tasks  # noqa: F401  (forwards the clients' log lines to the run, as every task process does)
from deployments.approver import code_mails
from flows.exam_day import exam_day
from flows.grading import grading
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from integrations.http import RetryPolicy, Unavailable, shown_path
from integrations.ladok import LadokClient
from models.grading import CommitteeRule, GradingSettings
from models.params import ExamTimes, GradeExam, OccasionStep, PlanExam, SyncRegistrations
from rules.exam_times import STOCKHOLM
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from simulators.term import TermSpec, generate_term
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving, past_window

TERM = {"seed": 53, "course_rounds": 2, "occasions": 1, "students": 30, "extra_time_share": 0.0}
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
WRONG_CODE = "ZZZZ2345"
PNR = "199001011234"


def run_id(state: State[Any]) -> UUID:
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return flow_run_id


def messages(flow_run_id: UUID) -> list[str]:
    """Every log line of the run and its task runs, as the server holds them."""
    APILogHandler().flush()
    found: list[str] = []
    with get_client(sync_client=True) as client:
        while page := client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200, offset=len(found)
        ):
            found += [log.message for log in page]
    return found


def has(lines: list[str], *parts: str) -> bool:
    return any(all(part in line for part in parts) for line in lines)


@dataclass
class Runs:
    occasion: str
    logs: dict[str, list[str]]
    results: dict[str, Any]


@pytest.fixture(scope="module")
def runs(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """plan-exam (a wrong code first), the sync, exam day and grading of one occasion of a term of
    their own, every approval answered from the mail folder."""
    state = tmp_path_factory.mktemp("run-logs")
    with ExitStack() as stack:
        ladok = stack.enter_context(serve_in_thread(ladok_sim.create_app(state / "ladok.db")))
        stack.enter_context(examflow_environment({"EXAMFLOW_LADOK_URL": f"{ladok}/"}))
        term = httpx.post(f"{ladok}/_sim/term", json=TERM, timeout=60)
        term.raise_for_status()
        occasion = term.json()["occasions"][0]
        times = _reschedule(ladok, occasion)
        states: dict[str, State[Any]] = {}
        with approving(world.outbox, "staff-coordinator-1", first_answers=[{"approval_code": WRONG_CODE}]):
            states["plan-exam"] = plan_exam(
                PlanExam(occasion_uid=occasion, times=times, code_prefix="LOG", country="SE", grading=RULE),
                return_state=True,
            )
        states["registration-sync"] = registration_sync(
            SyncRegistrations(occasion_uids=[occasion]), return_state=True
        )
        states["exam-day"] = exam_day(OccasionStep(occasion_uid=occasion), return_state=True)
        with (
            approving(world.outbox, "staff-grader-ext-1"),
            approving(world.outbox, "staff-examiner-1"),
            approving(world.outbox, "staff-grader-1"),
        ):
            states["grading"] = grading(GradeExam(occasion_uid=occasion), return_state=True)
        yield Runs(
            occasion,
            {name: messages(run_id(s)) for name, s in states.items()},
            {name: s.result() for name, s in states.items()},
        )


def _reschedule(ladok: str, occasion: str) -> ExamTimes:
    """A window that has ended, the occasion's dates in the register moved to its day."""
    starts, ends = (t.astimezone(STOCKHOLM) for t in past_window())
    day = {"start_date": starts.date().isoformat(), "end_date": ends.date().isoformat()}
    httpx.post(f"{ladok}/_sim/occasions/{occasion}/dates", json=day).raise_for_status()
    return ExamTimes(exam_date=starts.date(), start_time=starts.time(), end_time=ends.time())


def test_plan_exam_logs_the_plan_the_refused_answer_and_the_decision(runs: Runs):
    lines, occasion = runs.logs["plan-exam"], runs.occasion
    assert has(lines, "Read occasion", occasion, "course rounds")
    assert has(lines, f"Checks of the plan of {occasion}: all passed")
    assert has(lines, "Planned", f"(occasion {occasion})", "modules", "credits", "minutes' working time")
    assert has(lines, "asked of the coordinator role: a one-time code mailed to", "staff-coordinator-1")
    assert has(lines, "refused: the approval code is not the one sent to you for this approval")
    assert has(lines, "approved by staff-coordinator-1")
    assert has(lines, "deleted from the run's inputs")
    assert has(lines, "Platform test", f"set for occasion {occasion}")


def test_exam_day_logs_the_attendance_it_recorded(runs: Runs):
    lines, occasion = runs.logs["exam-day"], runs.occasion
    submitted, absent = (int(runs.results["exam-day"].split()[i]) for i in (0, 2))
    assert has(lines, "Activated platform test")
    assert has(lines, f"Deadline of {occasion}", "passed")
    assert has(lines, f"Closed {occasion} for submissions")
    assert has(
        lines, f"Attendance of {occasion} from the platform", f"{submitted} submitted, {absent} absent"
    )


def test_grading_logs_committees_proposed_grades_and_the_approval(runs: Runs):
    lines, occasion, result = runs.logs["grading"], runs.occasion, runs.results["grading"]
    assert result["approved"] > 0
    assert has(lines, f"Grading committees of {occasion} formed, set on the platform", "staff-examiner-1")
    assert has(lines, f"Proposed grades of {occasion}", "candidates graded", "absent")
    assert has(lines, f"Similarity of {occasion}")
    assert has(lines, "staff-examiner-1 is shown", "candidates of", "by code")
    assert has(lines, f"Approved {result['approved']} grades of {occasion}, as approved by")


def test_no_run_logs_a_name_an_email_a_national_id_or_a_code(world: World, runs: Runs):
    term = generate_term(TermSpec(**TERM))
    sitting = {r.student_uid for r in term.registrations if r.occasion_uid == runs.occasion}
    students = [s for s in term.students if s.uid in sitting]
    national_ids = [s.national_id for s in students] + [
        "".join(filter(str.isdigit, s.national_id)) for s in students
    ]
    personal = [v for s in students for v in (s.first_name, s.last_name, s.email)] + national_ids
    assert len(students) == len(sitting) > 0
    codes = [m.code for m in code_mails(world.outbox)] + [WRONG_CODE]
    text = "\n".join(line for lines in runs.logs.values() for line in lines)
    assert has(runs.logs["grading"], "Proposed grades of")  # the logs were read
    assert not [v for v in personal if re.search(rf"\b{re.escape(v)}\b", text)]
    assert not [c for c in codes if c in text]


@flow(name="log-probe")
def look_up(register_url: str, national_id: str) -> str:
    """A lookup by personnummer in the register, the register answering 503 to every call."""
    client = LadokClient(register_url, retry=RetryPolicy(attempts=2, sleep=lambda _: None))
    with client:
        try:
            client.request("GET", f"studentinformation/student/personnummer/{national_id}")
        except Unavailable as exc:
            return str(exc)
    return "answered"


def test_a_clients_retry_reaches_the_runs_log_with_the_personnummer_masked(
    prefect_harness: None, tmp_path: Any
):
    with serve_in_thread(ladok_sim.create_app(tmp_path / "ladok.db")) as ladok:
        httpx.put(f"{ladok}/_sim/faults", json={"error_rate": 1}).raise_for_status()
        state = look_up(ladok, PNR, return_state=True)
    assert state.result() == (
        "ladok: no answer: gave up after 2 tries: 503 on GET studentinformation/student/personnummer/***"
    )
    lines = messages(run_id(state))
    assert has(lines, "ladok: 503 on GET studentinformation/student/personnummer/***, retry 1 in")
    assert not [line for line in lines if PNR in line]


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            "studentinformation/student/personnummer/199001011234",
            "studentinformation/student/personnummer/***",
        ),
        (
            "studentinformation/student/personnummer/900101-1234",
            "studentinformation/student/personnummer/***",
        ),
        ("a/19900101+1234/b", "a/***/b"),
        ("kandidat/01019012345", "kandidat/***"),
        ("https://files.example/export.json?X-Amz-Signature=abc", "https://files.example/export.json"),
        ("v1/test/42/candidates", "v1/test/42/candidates"),
        (
            "resultat/studieresultat/20260101-1234-5678-9abc-def012345678",
            "resultat/studieresultat/20260101-1234-5678-9abc-def012345678",
        ),
    ],
)
def test_a_request_path_is_shown_without_national_ids_or_query(path: str, shown: str):
    assert shown_path(path) == shown
