"""Each phase flow on one occasion, in lifecycle order, its approvals answered from outside.

The module-scoped fixtures run the phases one after another (plan → sync → exam day → grading
→ transfer → appeal → archive); each test checks one phase's outcome in the store and in the
stand-ins, and the approval paths: a valid answer, and invalid ones that are asked again.
"""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from prefect import get_client
from prefect.input.actions import read_flow_run_input
from sqlalchemy import func, select

from deployments.approver import code_mails
from flows.appeal import appeal
from flows.archive import archive
from flows.exam_day import exam_day
from flows.grading import grading
from flows.justification import justification
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from flows.regrade import regrade
from flows.result_transfer import result_transfer
from integrations.http import Unavailable
from models.grading import CommitteeRule, GradingSettings
from models.ladok_codes import GRADE_CODES
from models.params import (
    AppealRequest,
    ExamTimes,
    GradeExam,
    JustificationRequest,
    OccasionStep,
    PlanExam,
    Regrade,
    SyncRegistrations,
)
from models.transfer import Action
from rules import law
from rules.grades import Scale
from rules.marks import marks_frame
from store import audit, committees, grader_view, justifications, registrations, rescoring
from store.appeals import AppealRefused
from store.db import transaction
from store.schema import (
    Appeal,
    Approval,
    ArchiveRecord,
    Attendance,
    ConflictOfInterest,
    Grade,
    JustificationRecord,
    Occasion,
    OutboxMessage,
    Registration,
    Student,
    TransferLedgerEntry,
)
from tasks import platform_results
from tasks.appeal import receive_appeal
from tasks.archive import archive_document
from tasks.committees import CommitteeRefused, form_grading_committees
from tasks.deadlines import compute_deadlines
from tasks.grading import (
    GradingRefused,
    approve_grades,
    import_results,
    refuse_unknown_questions,
)
from tasks.grading_report import own_evidence, progress_report
from tasks.justification import JustificationRefused, receive_request
from tasks.platform_results import check_registered
from tasks.registration import list_syncable_occasions
from tasks.regrade import RegradeRefused, check_regrade
from tasks.reports import artifact_key
from tasks.systems import systems
from tasks.transfer import preview_transfer, transfer_results
from tests.flows.conftest import World, approving, past_window


def _count(model: Any, occasion_id: str, *where: Any) -> int:
    with transaction() as session:
        query = select(func.count()).select_from(model).where(model.occasion_id == occasion_id, *where)
        return int(session.scalar(query) or 0)


@pytest.fixture(scope="module")
def times(world: World) -> ExamTimes:
    return world.reschedule(world.occasions[0], *past_window())


@pytest.fixture(scope="module")
def occasion(world: World, times: ExamTimes) -> str:
    return world.occasions[0]


@pytest.fixture(scope="module")
def planned(world: World, occasion: str, times: ExamTimes) -> dict[str, Any]:
    wrong_code = {"approval_code": "ZZZZ2345"}
    not_a_coordinator = {"approver_id": "staff-grader-1"}
    with approving(
        world.outbox, "staff-coordinator-1", first_answers=[wrong_code, not_a_coordinator]
    ) as person:
        result = plan_exam(
            PlanExam(occasion_uid=occasion, times=times, code_prefix="TDA", country="NO", grading=RULE)
        )
    return {"result": result, "person": person}


@pytest.fixture(scope="module")
def synced(planned: dict[str, Any], occasion: str) -> dict[str, int]:
    return registration_sync(SyncRegistrations(occasion_uids=[occasion]))


@pytest.fixture(scope="module")
def examined(synced: dict[str, int], occasion: str) -> str:
    return exam_day(OccasionStep(occasion_uid=occasion))


# Two graders per committee, one of them external: of the office's three graders the external and,
# by staff id, the examiner sit on the one committee; staff-grader-1 is left out.
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
COMMITTEE = ["staff-examiner-1", "staff-grader-ext-1"]


def first_code(occasion: str) -> str:
    """The first candidate who sat the exam."""
    with transaction() as session:
        return session.scalars(
            select(Registration.anonymisation_code)
            .join(Attendance, Attendance.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion, Attendance.status == "submitted")
            .order_by(Registration.anonymisation_code)
        ).first()


@pytest.fixture(scope="module")
def graded(world: World, examined: str, occasion: str) -> dict[str, Any]:
    code = first_code(occasion)
    stray = {"notes": [{"code": "NOBODY-0000", "text": "a note on nobody"}]}
    notes = {
        "notes": [
            {
                "code": code,
                "question": 3,
                "text": "The derivation skips the boundary case.",
                "for_justification": True,
            },
            {"code": code, "text": "Handwriting in the sketch hard to read.", "for_justification": False},
        ]
    }
    with (
        approving(world.outbox, "staff-grader-ext-1", first_answers=[{"approval_code": "ZZZZ2345"}]) as ext,
        approving(world.outbox, "staff-examiner-1", first_answers=[stray, notes]) as examiner,
        approving(world.outbox, "staff-grader-1") as spare,
    ):
        result = grading(GradeExam(occasion_uid=occasion))
    return {
        "result": result,
        "answers": {p.staff_id: p.answers for p in (ext, examiner, spare)},
        "code": code,
    }


@pytest.fixture(scope="module")
def transferred(world: World, graded: dict[str, int], occasion: str) -> dict[str, int]:
    with approving(world.outbox, "staff-planner-1", first_answers=[{"approver_id": "staff-grader-1"}]):
        return result_transfer(OccasionStep(occasion_uid=occasion))


def test_plan_asks_again_after_a_wrong_code_and_a_wrong_role(
    world: World, planned: dict[str, Any], occasion: str
):
    person = planned["person"]
    assert person.errors == []
    assert len(person.answers) == 3  # wrong code, wrong role, then the coordinator's valid answer
    with transaction() as session:
        refusals = [
            e.detail["reason"] for e in audit.events(session, occasion_id=occasion, action="approval.refused")
        ]
        decided = audit.events(session, occasion_id=occasion, action="approval.decided")
        row = session.get(Occasion, occasion)
        assert row is not None and row.platform_test_id and row.status == "planned"
    assert refusals == [
        "the approval code is not the one sent to you for this approval",
        "'staff-grader-1' does not hold the role coordinator for this exam",
    ]
    assert [e.actor for e in decided] == ["staff-coordinator-1"]
    with transaction() as session:  # the codes live in the mail folder only, never in our tables
        bodies = session.scalars(select(OutboxMessage.body)).all()
    assert bodies and not any("One-time approval code" in b for b in bodies)
    run_id = person.answers[-1]["flow_run_id"]
    third_form = read_flow_run_input("paused-plan-3-description", flow_run_id=run_id)
    assert "does not hold the role coordinator" in third_form
    assert row.platform_test_id in planned["result"]


def test_a_decided_approval_takes_no_further_answer_even_with_the_right_code(
    world: World, planned: dict[str, Any], occasion: str
):
    from deployments.approver import mail_for
    from models.approvals import ApprovalForm
    from store.approvals import check_answer
    from tasks.clock import now

    run_id = planned["person"].answers[-1]["flow_run_id"]
    mail = mail_for(world.outbox, run_id, "staff-coordinator-1")
    assert mail is not None
    with transaction() as session:
        approval = session.scalar(
            select(Approval).where(Approval.occasion_id == occasion, Approval.kind == "plan")
        )
        answer = ApprovalForm(approver_id=mail.staff_id, decision="reject", approval_code=mail.code)
        verdict = check_answer(session, approval_id=approval.id, round=99, now=now(), answer=answer)
        assert approval.decision == "approve"
    assert not verdict.accepted
    assert verdict.reason == "this approval was already decided (approved)"


def test_sync_adds_every_registration_with_stable_codes(world: World, synced: dict[str, int], occasion: str):
    register = httpx.get(f"{world.ladok_url}/_sim/registrations", params={"occasion": occasion}).json()
    assert occasion in list_syncable_occasions.fn()
    assert synced["adds"] == len(register) > 0
    assert synced["platform_added"] == len(register)
    assert _count(Registration, occasion, Registration.status == "registered") == len(register)
    with transaction() as session:
        codes = dict(
            session.execute(
                select(Registration.student_uid, Registration.anonymisation_code).where(
                    Registration.occasion_id == occasion
                )
            ).all()
        )
    again = registration_sync(SyncRegistrations(occasion_uids=[occasion]))
    assert again["adds"] == again["removals"] == again["platform_added"] == 0
    with transaction() as session:
        assert codes == dict(
            session.execute(
                select(Registration.student_uid, Registration.anonymisation_code).where(
                    Registration.occasion_id == occasion
                )
            ).all()
        )


def test_exam_day_takes_attendance_and_opens_for_assessment(world: World, examined: str, occasion: str):
    submitted = _count(Attendance, occasion, Attendance.status == "submitted")
    absent = _count(Attendance, occasion, Attendance.status == "absent")
    assert submitted > 0
    assert submitted + absent == _count(Registration, occasion, Registration.status == "registered")
    assert examined == f"{submitted} submitted, {absent} absent"
    assert occasion not in list_syncable_occasions.fn()  # closed: the nightly sync leaves it alone
    with transaction() as session:
        assert session.get(Occasion, occasion).status == "closed"


def _refusals(occasion: str, kind: str) -> list[str]:
    with transaction() as session:
        approval_id = session.scalar(
            select(Approval.id).where(Approval.occasion_id == occasion, Approval.kind == kind)
        )
        events = audit.events(session, occasion_id=occasion, action="approval.refused")
    return [e.detail["reason"] for e in events if e.detail["approval_id"] == approval_id]


def test_grading_proposes_and_the_graders_approve_own_then_joint(graded: dict[str, Any], occasion: str):
    assert _refusals(occasion, "grading-own-staff-grader-ext-1") == [
        "the approval code is not the one sent to you for this approval"
    ]
    assert _refusals(occasion, "grading-own-staff-examiner-1") == [
        "note 1: NOBODY-0000 is not a candidate of Committee 1"
    ]
    with transaction() as session:
        assert committees.grading_committees(session, occasion_id=occasion) == {"Committee 1": COMMITTEE}
        decided = {
            a.kind: a.decided_by
            for a in session.scalars(
                select(Approval).where(Approval.occasion_id == occasion, Approval.status == "approved")
            )
        }
    assert decided["grading-own-staff-examiner-1"] == "staff-examiner-1"
    assert decided["grading-own-staff-grader-ext-1"] == "staff-grader-ext-1"
    assert decided["grading"] in COMMITTEE
    assert graded["answers"]["staff-grader-1"] == []  # not on the committee: never asked
    result = graded["result"]
    submitted = _count(Attendance, occasion, Attendance.status == "submitted")
    assert result["approved"] == submitted == _count(Grade, occasion, Grade.status == "approved")
    assert sum(n for grade, n in result.items() if grade != "approved") == submitted
    with transaction() as session:  # the import left each candidate's points kept, and current
        assert rescoring.marks_revision(session, occasion_id=occasion).totals_current
        kept, summed = (
            rescoring.candidate_points(session, occasion_id=occasion, registration_ids=None, from_totals=t)
            for t in (True, False)
        )
    assert len(kept) == submitted and kept.equals(summed)
    with pytest.raises(GradingRefused, match="approved already"):
        import_results.fn(occasion)
    with pytest.raises(GradingRefused, match="changed after they were shown"):
        approve_grades.fn(occasion, "staff-grader-1", digest="not-what-was-shown")


def test_transfer_with_the_register_down_fails_clearly_and_writes_nothing(
    world: World, graded: dict[str, int], occasion: str
):
    httpx.put(f"{world.ladok_url}/_sim/faults", json={"error_rate": 1}).raise_for_status()
    try:
        with pytest.raises(Unavailable, match="gave up after 5 tries: 503"):
            transfer_results.fn(occasion)
    finally:
        httpx.put(f"{world.ladok_url}/_sim/faults", json={}).raise_for_status()
    assert _count(TransferLedgerEntry, occasion) == 0
    assert httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json() == []
    with transaction() as session:
        assert session.get(Occasion, occasion).status == "graded"


def test_transfer_writes_each_grade_once_and_repeats_as_a_no_op(
    world: World, transferred: dict[str, int], occasion: str
):
    assert _refusals(occasion, "transfer") == [
        "'staff-grader-1' does not hold the role planner for this exam"
    ]
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    with transaction() as session:
        grades = dict(
            session.execute(
                select(Registration.student_uid, Grade.grade)
                .join(Grade, Grade.registration_id == Registration.id)
                .where(Registration.occasion_id == occasion)
            ).all()
        )
    assert transferred["written"] == len(grades) == len(drafts)
    assert {d["student_uid"]: GRADE_CODES[d["grade_id"]] for d in drafts} == grades
    assert _count(TransferLedgerEntry, occasion, TransferLedgerEntry.status == "confirmed") == len(grades)
    assert _count(TransferLedgerEntry, occasion) == len(grades)
    again = transfer_results.fn(occasion)
    assert again.written == 0 and again.unchanged == len(grades)


def test_an_attested_result_is_listed_and_never_touched(
    world: World, transferred: dict[str, int], occasion: str
):
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    with transaction() as session:  # the last candidate by code (the appeal below takes the first)
        student = session.scalar(
            select(Registration.student_uid)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code.desc())
        )
    last = next(d for d in drafts if d["student_uid"] == student)
    httpx.post(f"{world.ladok_url}/_sim/attest/{last['result_uid']}").raise_for_status()
    preview = preview_transfer.fn(occasion)
    assert [i.action for i in preview if i.study_result_uid == last["study_result_uid"]] == [Action.LOCKED]
    again = transfer_results.fn(occasion)
    assert again.locked == 1 and again.written == 0


@pytest.fixture(scope="module")
def appealed(world: World, transferred: dict[str, int], occasion: str) -> dict[str, Any]:
    with transaction() as session:
        code, student, old = session.execute(
            select(Registration.anonymisation_code, Registration.student_uid, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
        ).first()
    new = "E" if old in ("A", "B") else "A"  # two grades or more away: a further assessment follows
    not_on_scale = {"new_grade": "Q"}
    request = AppealRequest(occasion_uid=occasion, anonymisation_code=code, received_on=date.today())
    with (
        approving(
            world.outbox, "staff-appeal-ext-1", first_answers=[not_on_scale], extra={"new_grade": new}
        ) as person,
        approving(world.outbox, "staff-appeal-ext-2", extra={"new_grade": new}) as further,
    ):
        result = appeal(request)
    return {
        "result": result,
        "person": person,
        "further": further,
        "code": code,
        "student": student,
        "old": old,
        "new": new,
    }


def test_appeal_is_graded_blind_and_the_new_grade_transferred(
    world: World, appealed: dict[str, Any], occasion: str
):
    refused = appealed["person"].refused
    assert refused and "Q" in refused[0]  # the server refused a grade off the scale; asked again
    assert appealed["result"] == f"{appealed['code']}: {appealed['old']} → {appealed['new']}"
    # two grades or more apart: a further assessment was asked for too, and its grade stands
    assert law.needs_further_assessment(Scale.AF, appealed["old"], appealed["new"])
    asked = {
        (m.staff_id, "once more" in m.title) for m in code_mails(world.outbox) if "appealed paper" in m.title
    }
    # the appeal committee (two new graders, one external) and a new one for the further assessment
    assert asked == {
        ("staff-appeal-ext-1", False),
        ("staff-appeal-1", False),
        ("staff-appeal-ext-2", True),
        ("staff-appeal-2", True),
    }
    assert len(appealed["person"].answers) == 1 and len(appealed["further"].answers) == 1
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    assert [GRADE_CODES[d["grade_id"]] for d in drafts if d["student_uid"] == appealed["student"]] == [
        appealed["new"]
    ]
    assert _count(Appeal, occasion, Appeal.status == "decided") == 1
    assert _count(ArchiveRecord, occasion, ArchiveRecord.kind == "appeal") == 1  # the decision is filed
    with transaction() as session:
        appeal_id = session.scalar(select(Appeal.id).where(Appeal.occasion_id == occasion))
    run_id = appealed["person"].answers[0]["flow_run_id"]
    form = read_flow_run_input(f"paused-appeal-{appeal_id}-1-description", flow_run_id=run_id)
    assert "The paper" in form and "Question 1" in form and "the original grade is not shown" in form
    mails = [p.read_text() for p in world.outbox.glob("*.eml")]
    assert any(f"New grade: {appealed['new']}" in m for m in mails)
    with pytest.raises(AppealRefused, match="cannot be appealed again"):
        receive_appeal.fn(occasion, appealed["code"], date.today())


def _second_candidate(occasion: str) -> str:
    with transaction() as session:
        codes = session.scalars(
            select(Registration.anonymisation_code)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
        ).all()
    return codes[1]


def test_a_late_appeal_is_refused_saying_why(world: World, appealed: dict[str, Any], occasion: str):
    late = date.today() + timedelta(days=30)  # well past 3 weeks, weekend roll-over included
    with pytest.raises(AppealRefused, match=r"too late: it was due within 3 weeks of publication"):
        receive_appeal.fn(occasion, _second_candidate(occasion), late)
    assert _count(Appeal, occasion) == 1  # nothing registered for the refused appeal
    with transaction() as session:
        refused = audit.events(session, occasion_id=occasion, action="appeal.refused")
    assert refused[-1].detail["rule"] == "no.appeal_deadline"


def test_a_swedish_grade_cannot_be_appealed(world: World, appealed: dict[str, Any], occasion: str):
    with _swedish(occasion), pytest.raises(AppealRefused, match="cannot be appealed") as refused:
        receive_appeal.fn(occasion, _second_candidate(occasion), date.today())
    assert "Högskoleförordningen" in str(refused.value)


def test_deadlines_are_computed_and_flagged(world: World, appealed: dict[str, Any], occasion: str):
    rows = compute_deadlines.fn(occasion, date.today() - timedelta(days=20))
    by_name = {r["deadline"]: r for r in rows}
    assert any("grading" in name.lower() for name in by_name)
    appeal_row = next(r for name, r in by_name.items() if "appeal" in name.lower())
    assert appeal_row["status"].startswith("near")  # due in a day or so: flagged for a person


def test_archive_files_papers_protocol_and_appeal_with_checksums(
    world: World, appealed: dict[str, Any], occasion: str
):
    result = archive(OccasionStep(occasion_uid=occasion))
    submitted = _count(Attendance, occasion, Attendance.status == "submitted")
    with transaction() as session:
        kinds = dict(
            session.execute(
                select(ArchiveRecord.kind, func.count())
                .where(ArchiveRecord.occasion_id == occasion)
                .group_by(ArchiveRecord.kind)
            ).all()
        )
        assert session.get(Occasion, occasion).status == "archived"
    assert kinds == {"paper": submitted, "protocol": 1, "appeal": 1, "record": 1}
    assert f"archived {submitted + 3} documents" in result
    anchor = _archived_anchor(occasion)
    assert f"--anchor-seq {anchor['seq']} --anchor-hash {anchor['hash']}" in anchor["check"]
    again = archive(OccasionStep(occasion_uid=occasion))
    assert again == result  # the same bytes again, no conflict; only the audit's newer head is filed
    assert _archived_anchor(occasion)["seq"] > anchor["seq"]
    assert _archived_entry_types(world, occasion) == {
        "paper": {"I"},
        "protocol": {"X"},
        "appeal": {"U"},
        "audit": {"X"},
    }


def _archived_anchor(occasion: str) -> dict[str, Any]:
    """The newest audit-chain head filed in the exam's case, as the archive holds it."""
    with transaction() as session:
        record = session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.occasion_id == occasion, ArchiveRecord.kind == "record")
            .order_by(ArchiveRecord.id.desc())
        ).first()
    assert record is not None
    with systems().archive() as store:
        return dict(json.loads(store.download(record.document_id)))


def _archived_entry_types(world: World, occasion: str) -> dict[str, set[str]]:
    """The registry entry types (journalposttype) of the exam's one case file, by document kind,
    read from the archive stand-in; every entry archived (journalstatus A)."""
    rel = "https://rel.arkivverket.no/noark5/v5/api/"
    cases = httpx.get(f"{world.archive_url}/api/sakarkiv/saksmappe/").json()["results"]
    [case] = [c for c in cases if c["tittel"].endswith(f"({occasion})")]
    found: dict[str, set[str]] = {}
    page: dict[str, Any] = {"_links": {"next": case["_links"][rel + "sakarkiv/journalpost/"]}}
    while "next" in page["_links"]:
        page = httpx.get(page["_links"]["next"]["href"]).json()
        for entry in page["results"]:
            assert entry["journalstatus"]["kode"] == "A"
            found.setdefault(entry["tittel"].split("-")[0], set()).add(entry["journalposttype"]["kode"])
    return found


def test_justification_is_checked_written_and_sent_before_its_deadline(
    world: World, transferred: dict[str, int], occasion: str
):
    code = _second_candidate(occasion)
    too_short = {"justification": "Fine."}
    text = "Question 2 lacked the derivation; questions 4-6 were fully correct."
    with approving(
        world.outbox, "staff-examiner-1", first_answers=[too_short], extra={"justification": text}
    ) as person:
        result = justification(
            JustificationRequest(occasion_uid=occasion, anonymisation_code=code, requested_on=date.today())
        )
    assert result == f"{code}: justification sent on time"
    assert len(person.answers) == 2  # a too-short text is asked again, saying why
    kinds = [k for k in _approval_kinds(occasion) if k.startswith("justification-")]
    assert any("at least 20 characters" in r for k in kinds for r in _refusals(occasion, k))
    mails = [
        email.message_from_bytes(p.read_bytes()).get_payload(decode=True).decode()
        for p in world.outbox.glob("*.eml")
    ]
    assert any(text in m and code in m for m in mails)
    with pytest.raises(
        JustificationRefused, match="too late: a justification must be asked for within 1 week"
    ):
        receive_request.fn(occasion, _first_candidate(occasion), date.today() + timedelta(days=10))


def _first_candidate(occasion: str) -> str:
    with transaction() as session:
        return session.scalars(
            select(Registration.anonymisation_code)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
        ).first()


@contextmanager
def _swedish(occasion: str) -> Iterator[None]:
    """The same exam under Swedish law for the length of a test."""
    with transaction() as session:
        session.get(Occasion, occasion).country = "SE"
    try:
        yield
    finally:
        with transaction() as session:
            session.get(Occasion, occasion).country = "NO"


def _middle_candidate(occasion: str) -> tuple[str, str]:
    """A candidate after the first whose grade can go both up and down, and not the last, whose
    result is attested in the register."""
    with transaction() as session:
        last = session.scalar(
            select(func.max(Registration.anonymisation_code)).where(Registration.occasion_id == occasion)
        )
        return session.execute(
            select(Registration.anonymisation_code, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(
                Registration.occasion_id == occasion,
                Grade.grade.in_(["E", "D", "C", "B"]),
                Registration.anonymisation_code < last,
            )
            .order_by(Registration.anonymisation_code.desc())
        ).first()


def test_swedish_regrades_follow_the_law(world: World, appealed: dict[str, Any], occasion: str):
    code, grade = _middle_candidate(occasion)
    up, down = (
        Scale.AF.grades[Scale.AF.grades.index(grade) + 1],
        Scale.AF.grades[Scale.AF.grades.index(grade) - 1],
    )

    def asked(kind: str, new: str, heard: bool = False) -> Regrade:
        return Regrade(
            occasion_uid=occasion,
            anonymisation_code=code,
            kind=kind,
            new_grade=new,
            student_heard=heard,
            reason="obvious error in the sum of question 3",
        )

    with _swedish(occasion):
        with pytest.raises(RegradeRefused, match="reconsideration .* may only raise a grade"):
            check_regrade.fn(asked("reconsideration", down))
        with pytest.raises(RegradeRefused, match="the student must be heard"):
            check_regrade.fn(asked("correction", down))
        assert check_regrade.fn(asked("correction", down, heard=True)).original == grade
        with approving(world.outbox, "staff-examiner-1"):
            result = regrade(asked("reconsideration", up))
    assert result == f"{code}: {grade} → {up}"
    with transaction() as session:
        student = session.scalar(
            select(Registration.student_uid).where(
                Registration.occasion_id == occasion, Registration.anonymisation_code == code
            )
        )
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    assert [GRADE_CODES[d["grade_id"]] for d in drafts if d["student_uid"] == student] == [up]


def test_a_justification_starts_from_the_graders_notes_meant_for_it(
    graded: dict[str, Any], transferred: dict[str, int], occasion: str
):
    case = receive_request.fn(occasion, graded["code"], date.today())
    assert case.committee == tuple(COMMITTEE)
    assert "Question 3:" in case.draft
    after_question_3 = case.draft.split("Question 3:")[1].split("Question 4:")[0]
    assert "The derivation skips the boundary case." in after_question_3
    assert "Handwriting" not in case.draft  # a private note stays private


def _personal_data(occasion: str) -> list[str]:
    """Every name, email and national id of the exam's students."""
    with transaction() as session:
        students = session.scalars(
            select(Student)
            .join(Registration, Registration.student_uid == Student.uid)
            .where(Registration.occasion_id == occasion)
        ).all()
    return [v for s in students for v in (s.first_name, s.last_name, s.email, s.national_id) if v]


def test_graders_see_codes_only_in_every_report_and_form(graded: dict[str, Any], occasion: str):
    personal = _personal_data(occasion)
    assert len(personal) >= 10  # first and last names at least, of every registered student
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    texts = [str(a.data) for a in artifacts if occasion.lower() in (a.key or "")]
    assert any(a.key.startswith("grades-") for a in artifacts if a.key) and len(texts) >= 3
    texts += [
        own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", False),
        own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", True),
        progress_report.fn(occasion, "now"),
    ]
    with transaction() as session:
        frame = grader_view.committee_marks(
            session, occasion_id=occasion, committee="Committee 1", graders=COMMITTEE
        )
    texts.append(frame.to_csv())
    report = next(str(a.data) for a in artifacts if a.key == artifact_key("grades", occasion))
    for section in ("What if a boundary moved", "#### Questions", "discrimination", "#### Committees"):
        assert section in report
    assert "No automatic penalty" in report and "```" in report  # the flags, and the chart
    leaks = sorted({p for p in personal for t in texts if p in t})
    assert leaks == []
    assert graded["code"] in texts[-1]


def test_a_grader_sees_only_their_own_marks_unless_assessment_is_shared(
    graded: dict[str, Any], occasion: str
):
    own = own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", False)
    shared = own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", True)
    assert " staff-examiner-1 |" in own and "staff-grader-ext-1" not in own
    assert " staff-examiner-1 |" in shared and " staff-grader-ext-1 |" in shared


def _approval_kinds(occasion: str) -> list[str]:
    with transaction() as session:
        return list(session.scalars(select(Approval.kind).where(Approval.occasion_id == occasion)))


def test_a_conflict_declared_after_the_split_stops_grading_naming_it(graded: dict[str, Any], occasion: str):
    code = graded["code"]
    with transaction() as session:
        student = registrations.by_code(session, occasion_id=occasion, code=code).student_uid
        committees.declare_conflict(
            session, staff_id="staff-examiner-1", student_uid=student, reason="relative"
        )
    try:
        with pytest.raises(
            CommitteeRefused, match=f"grader staff-examiner-1 has a declared conflict with candidate {code}"
        ):
            form_grading_committees.fn(occasion, on_platform=False)
    finally:
        with transaction() as session:
            session.delete(session.get(ConflictOfInterest, ("staff-examiner-1", student)))
    assert form_grading_committees.fn(occasion, on_platform=False) == {"Committee 1": COMMITTEE}


def test_an_export_with_unknown_candidates_or_questions_is_refused_whole(
    graded: dict[str, Any], occasion: str
):
    results, held = platform_results.registered_results(occasion)
    marks = marks_frame(results, held, occasion)
    strange = marks.assign(
        question_id=marks.question_id.where(marks.number > 2, "Q-NEW-" + marks.number.astype(str))
    )
    with transaction() as session, pytest.raises(GradingRefused, match=r"\['Q-NEW-1', 'Q-NEW-2'\]"):
        refuse_unknown_questions(session, occasion, strange)
    held.pop(results[0].external_user_id)
    held.pop(results[1].external_user_id)
    with pytest.raises(LookupError, match="not registered") as refused:
        check_registered(occasion, results, held)
    assert results[0].external_user_id in str(refused.value) and results[1].external_user_id in str(
        refused.value
    )


def test_an_appeal_counts_its_weeks_from_the_justification(
    world: World, appealed: dict[str, Any], occasion: str
):
    """Norway: the 3 weeks run from the justification where one was asked (uhl § 5-3), and have not
    started while it is asked for and not yet given; without one, the same day is too late."""
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


def test_a_rerun_files_justifications_given_since_and_one_more_document_files_once(
    world: World, appealed: dict[str, Any], occasion: str
):
    archive(OccasionStep(occasion_uid=occasion))  # what the exam held before; a no-op if archived
    code = _candidates_without_appeal_or_justification(occasion)[0]
    with transaction() as session:
        registration_id = registrations.by_code(session, occasion_id=occasion, code=code).id
        asked = justifications.request(
            session,
            occasion_id=occasion,
            registration_id=registration_id,
            requested_on=date.today(),
            due_on=date.today(),
        )
        justifications.give(
            session,
            justification_id=asked.id,
            text="Grounds.",
            given_by="staff-examiner-1",
            given_on=date.today(),
        )
        given = len(justifications.given(session, occasion_id=occasion))
    archive(OccasionStep(occasion_uid=occasion))
    assert _count(ArchiveRecord, occasion, ArchiveRecord.kind == "justification") == given
    anchor = archive_document.fn(
        occasion, "record", "audit-head.txt", b"sha256 of the chain's head", "text/plain"
    )
    assert (
        archive_document.fn(occasion, "record", "audit-head.txt", b"sha256 of the chain's head", "text/plain")
        == anchor
    )
    types = _archived_entry_types(world, occasion)
    assert (types["justification"], types["audit"], types["paper"]) == ({"U"}, {"X"}, {"I"})
