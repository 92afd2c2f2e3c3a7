"""Exams named as a person reads them, fast, on the fakes: before its plan from the register, after
it from our store; a run's name and tags from its parameters; an exam nobody can name keeps its uid
(the name is never a reason to fail a run); the approvals inbox names each exam."""

from __future__ import annotations

from prefect.settings import PREFECT_UI_URL, temporary_settings

from models.approvals import ApprovalRequest
from models.domain import Role
from models.params import GradeExam, OccasionStep, PlanExam, SyncRegistrations
from rules.digital_share import term_of
from store import approvals
from store.db import transaction
from tasks.approvals_inbox import inbox
from tasks.exam_names import exam_of, key_of, run_label, title_of
from tests.factories import T0
from tests.fakes import FakeSystems
from tests.fakes.worlds import planned_exam


def expected(fakes: FakeSystems, occasion: str) -> tuple[str, str]:
    """The occasion's course code and the label `COURSE MODULE DAY` the register gives it."""
    held = fakes.ladok.occasions[occasion]
    course = fakes.ladok.course_rounds[held.course_round_uids[0]].code
    module = sorted(
        m.code
        for uid in held.course_round_uids
        for m in fakes.ladok.course_rounds[uid].modules
        if m.uid in held.module_uids
    )[0]
    return course, f"{course} {module} {held.start_date.isoformat()}"


def test_an_exam_is_named_from_the_register_before_its_plan_and_from_the_store_after(
    fakes: FakeSystems,
) -> None:
    occasion = next(iter(fakes.ladok.occasions))
    course, label = expected(fakes, occasion)
    day = fakes.ladok.occasions[occasion].start_date
    assert title_of(occasion) == label
    assert key_of("plan", occasion) == "plan-" + label.lower().replace(" ", "-")
    name, tags = run_label("plan-exam", {"params": PlanExam(occasion_uid=occasion)})
    assert name == f"{label} · plan-exam"
    assert tags == [f"course:{course}", f"term:{term_of(day)}", "country:SE"]
    planned_exam(fakes, occasion, synced=False)
    fakes.unavailable("ladok", calls=10)  # planned: the store names it, the register is not asked
    assert run_label("grading", {"params": GradeExam(occasion_uid=occasion)})[0] == f"{label} · grading"
    assert exam_of(occasion) is not None and exam_of(occasion).label == label  # type: ignore[union-attr]


def test_an_exam_nobody_can_name_keeps_its_uid_and_a_run_of_several_says_how_many(
    fakes: FakeSystems,
) -> None:
    occasion = next(iter(fakes.ladok.occasions))
    fakes.unavailable("ladok", calls=10)
    assert run_label("exam-day", {"params": OccasionStep(occasion_uid=occasion)}) == (
        f"{occasion} · exam-day",
        [],
    )
    assert key_of("exam-day", occasion) == f"exam-day-{occasion.lower()}"
    several = SyncRegistrations(occasion_uids=list(fakes.ladok.occasions)[:2])
    assert run_label("registration-sync", {"params": several}) == ("2 exams · registration-sync", [])
    nightly = SyncRegistrations()
    assert run_label("registration-sync", {"params": nightly}) == ("every exam due · registration-sync", [])


def test_the_inbox_names_each_exam_and_links_its_waiting_run(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, next(iter(fakes.ladok.occasions)), synced=False)
    _, label = expected(fakes, occasion)
    request = ApprovalRequest(
        key="run-7:plan",
        occasion_id=occasion,
        kind="plan",
        role=Role.COORDINATOR,
        title=f"Approve the plan of {label}",
        flow_run_id="run-7",
    )
    with transaction() as session:
        ticket = approvals.open_approval(session, request=request, now=T0)
    with temporary_settings(updates={PREFECT_UI_URL: "http://ui:4200"}):
        rows, description = inbox()
    assert description.startswith("Approvals inbox: one approval waits for an answer.")
    assert rows == [
        {
            "Exam": label,
            "What it asks": f"Approve the plan of {label}",
            "Role": "coordinator",
            "Who may answer": "staff-coordinator-1",
            "Waiting since": f"{T0:%Y-%m-%d %H:%M} UTC",
            "Open until": f"{ticket.expires_at:%Y-%m-%d %H:%M} UTC",
            "Waiting run": "http://ui:4200/v2/runs/flow-run/run-7",
        }
    ]
