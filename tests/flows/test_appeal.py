"""appeal: the flow under Prefect with its committees' forms answered from outside (a member who
never answers, a grade off the scale refused by the server, a difference settled on the joint form,
a further assessment), the new grade registered once the planner approves it; and the law's refusals
and deadlines on transferred exams."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from prefect.input.actions import read_flow_run_input
from sqlalchemy import select

from deployments.demo import import_protocols
from flows.appeal import appeal
from models.params import AppealRequest
from store import audit, justifications, registrations
from store.appeals import AppealRefused
from store.db import transaction
from store.schema import Appeal, ArchiveRecord, Grade, JustificationRecord, Registration
from tasks.appeal import receive_appeal
from tasks.deadlines import compute_deadlines
from tasks.justification import receive_request
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving
from tests.flows.exams import Phase, count, exam_at, first_graded, second_graded, swedish


def test_each_member_grades_blind_a_difference_is_settled_jointly_and_the_planner_registers_it(world: World):
    """A member who never answers: the approval expires and the run fails saying how to start again.
    Started again: the committee's members differ blind (a grade off the scale refused by the server
    first), agree on the joint form two grades from the original, a further committee agrees blind,
    and the planner has the exam office import the new grade into FS, where it is read back."""
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    code, student, old = first_graded(occasion)
    new = "E" if old in ("A", "B", "C") else "A"  # two grades or more away: a further assessment follows
    request = AppealRequest(occasion_uid=occasion, anonymisation_code=code, received_on=date.today())
    with examflow_environment({"EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": "appeal=3s"}):
        failed = appeal(request, return_state=True)  # nobody answers
    assert (
        failed.is_failed() and "Grade the appealed paper" in failed.message and "expired at" in failed.message
    )
    assert "To start again, run the flow 'appeal'" in failed.message
    with transaction() as session:
        appeal_id = session.scalar(select(Appeal.id).where(Appeal.occasion_id == occasion))
        told = audit.events(session, occasion_id=occasion, action="approval.expired")[-1].detail["told"]
    assert "staff-appeal-ext-1" in told and "staff-coordinator-1" in told
    blind = {"new_grade": "D"}
    office = import_protocols(world.fs_url, world.home / "fs" / "protocols")  # the exam office
    with (
        approving(
            world.outbox,
            "staff-appeal-ext-1",
            first_answers=[{"new_grade": "Q"}, blind],
            extra={"new_grade": new},
        ) as ext,
        approving(world.outbox, "staff-appeal-1", extra={"new_grade": new}) as internal,
        approving(world.outbox, "staff-appeal-ext-2", extra={"new_grade": "C"}),
        approving(world.outbox, "staff-appeal-2", extra={"new_grade": "C"}),
        approving(world.outbox, "staff-planner-1", before=office) as planner,
    ):
        result = appeal(request)
    assert ext.refused and "Q" in ext.refused[0]  # the server refused a grade off the scale; asked again
    assert result == f"{code}: {old} → C"
    assert [a["new_grade"] for a in ext.answers] == ["D", new] and [
        a["new_grade"] for a in internal.answers
    ] == [new, new]
    with transaction() as session:
        rounds = [
            (e.detail["stage"], e.detail["round"], e.detail["outcome"])
            for e in audit.events(session, occasion_id=occasion, action="appeal.committee_graded")
        ]
    assert rounds == [("appeal", 1, "differ"), ("appeal", 2, "agreed"), ("further", 1, "agreed")]
    run_id = internal.answers[0]["flow_run_id"]
    own = read_flow_run_input(f"paused-appeal-{appeal_id}-staff-appeal-1-1-description", flow_run_id=run_id)
    assert "the original grade is not shown" in own and "Question 1" in own and "differs" not in own
    joint = read_flow_run_input(
        f"paused-appeal-{appeal_id}-staff-appeal-1-joint-1-description", flow_run_id=run_id
    )
    assert f"**The committee differs:** staff-appeal-1: {new}, staff-appeal-ext-1: D" in joint
    assert len(planner.answers) == 1 and planner.answers[0]["flow_run_id"] == run_id
    with systems().requests() as fs:  # the protocol file the planner had the exam office import
        assert [(r.grade, r.valid) for r in fs.results(occasion) if r.candidate == code] == [
            (old, False),
            ("C", True),
        ]
    assert count(Appeal, occasion, Appeal.status == "decided") == 1
    ladok = httpx.get(f"{world.ladok_url}/_sim/occasions").json()["occasions"]
    assert occasion not in ladok  # planned, synced, transferred and appealed on FS alone
    assert count(ArchiveRecord, occasion, ArchiveRecord.kind == "appeal") == 1  # the decision is filed
    mails = [p.read_text() for p in world.outbox.glob("*.eml")]
    assert any("New grade: C" in m for m in mails)
    with pytest.raises(AppealRefused, match="cannot be appealed again"):
        receive_appeal.fn(occasion, code, date.today())


def test_a_late_appeal_is_refused_saying_why(world: World):
    occasion = exam_at(world, Phase.APPEALED).occasion
    late = date.today() + timedelta(days=30)  # well past 3 weeks, weekend roll-over included
    with pytest.raises(AppealRefused, match=r"too late: it was due within 3 weeks of publication"):
        receive_appeal.fn(occasion, second_graded(occasion), late)
    assert count(Appeal, occasion) == 1  # the first candidate's; nothing registered for the refused appeal
    with transaction() as session:
        refused = audit.events(session, occasion_id=occasion, action="appeal.refused")
    assert refused[-1].detail["rule"] == "no.appeal_deadline"


def test_a_swedish_grade_cannot_be_appealed(world: World):
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    with swedish(occasion), pytest.raises(AppealRefused, match="cannot be appealed") as refused:
        receive_appeal.fn(occasion, second_graded(occasion), date.today())
    assert "Högskoleförordningen" in str(refused.value)


def test_deadlines_are_computed_and_flagged(world: World):
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    rows = compute_deadlines.fn(occasion, date.today() - timedelta(days=20))
    by_name = {r["deadline"]: r for r in rows}
    assert any("grading" in name.lower() for name in by_name)
    appeal_row = next(r for name, r in by_name.items() if "appeal" in name.lower())
    assert appeal_row["status"].startswith("near")  # due in a day or so: flagged for a person


def _candidates_without_appeal_or_justification(occasion: str) -> list[str]:
    with transaction() as session:
        return list(
            session.scalars(
                select(Registration.anonymisation_code)
                .join(Grade, Grade.registration_id == Registration.id)
                .outerjoin(Appeal, Appeal.registration_id == Registration.id)
                .outerjoin(JustificationRecord, JustificationRecord.registration_id == Registration.id)
                .where(
                    Registration.occasion_id == occasion,
                    Appeal.id.is_(None),
                    JustificationRecord.id.is_(None),
                )
                .order_by(Registration.anonymisation_code)
            )
        )


def test_an_appeal_counts_its_weeks_from_the_justification(world: World):
    """Norway: the 3 weeks run from the justification where one was asked (uhl § 5-3), and have not
    started while it is asked for and not yet given; without one, the same day is too late."""
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    pending, given, given_long_ago, neither = _candidates_without_appeal_or_justification(occasion)[:4]
    today = date.today()
    receive_request.fn(occasion, pending, today)
    for code in (given, given_long_ago):
        case = receive_request.fn(occasion, code, today)
        with transaction() as session:
            justifications.give(
                session,
                justification_id=case.justification_id,
                text="The grounds of the grade, question by question.",
                given_by="staff-examiner-1",
                given_on=today + timedelta(days=12),
            )
    late = today + timedelta(days=30)  # past 3 weeks of publication, within 3 weeks of day 12
    with transaction() as session:
        given_id = registrations.by_code(session, occasion_id=occasion, code=given).id
    shown = {r["deadline"]: r["due"] for r in compute_deadlines.fn(occasion, today, given_id)}
    appeal_due = next(date.fromisoformat(due) for name, due in shown.items() if "appeal" in name.lower())
    assert appeal_due >= today + timedelta(days=12 + 21)  # the appeal flow's table agrees with its ruling
    assert receive_appeal.fn(occasion, pending, late).candidate == pending
    assert receive_appeal.fn(occasion, given, late).candidate == given
    with pytest.raises(AppealRefused, match="due within 3 weeks of publication"):
        receive_appeal.fn(occasion, neither, late)
    given_on = today + timedelta(days=12)
    with pytest.raises(AppealRefused, match=f"due within 3 weeks of the justification given on {given_on}"):
        receive_appeal.fn(occasion, given_long_ago, today + timedelta(days=45))
