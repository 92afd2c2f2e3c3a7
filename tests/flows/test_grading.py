"""grading: the flow under Prefect with its graders' forms answered from outside (a wrong code, a
note on nobody), its reports showing codes only; and on exams graded by the factory: what a grader
sees, a conflict declared late, an export with strangers in it."""

from __future__ import annotations

from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterName
from sqlalchemy import select

from flows.grading import grading
from models.params import GradeExam
from store import committees, grader_view, notes, registrations, rescoring
from store.db import transaction
from store.schema import Approval, Attendance, ConflictOfInterest, Grade, Registration, Student
from tasks import platform_results
from tasks.committees import CommitteeRefused, form_grading_committees
from tasks.exam_names import exam_of, key_of
from tasks.grading import (
    GradingRefused,
    approve_grades,
    import_results,
    marks_frame,
    refuse_unknown_questions,
)
from tasks.grading_report import own_evidence, progress_report
from tasks.platform_results import check_registered
from tests.flows.conftest import World, approving
from tests.flows.exams import COMMITTEE, Phase, count, exam_at, examiners_notes, first_submitted, refusals


@pytest.fixture(scope="module")
def by_flow(world: World) -> dict[str, Any]:
    """An exam graded by the grading flow, its graders' forms answered from outside: the external
    grader's first code wrong, the examiner's first answer a note on nobody, then their notes."""
    occasion = exam_at(world, Phase.EXAMINED).occasion
    code = first_submitted(occasion)
    stray = {"notes": [{"code": "NOBODY-0000", "text": "a note on nobody"}]}
    with (
        approving(world.outbox, "staff-grader-ext-1", first_answers=[{"approval_code": "ZZZZ2345"}]),
        approving(world.outbox, "staff-examiner-1", first_answers=[stray, examiners_notes(code)]),
        approving(world.outbox, "staff-grader-1") as spare,
    ):
        result = grading(GradeExam(occasion_uid=occasion))
    return {"occasion": occasion, "code": code, "result": result, "spare": spare}


def test_grading_proposes_and_the_graders_approve_own_then_joint(by_flow: dict[str, Any]):
    occasion, code, result = by_flow["occasion"], by_flow["code"], by_flow["result"]
    assert refusals(occasion, "grading-own-staff-grader-ext-1") == [
        "the approval code is not the one sent to you for this approval"
    ]
    assert refusals(occasion, "grading-own-staff-examiner-1") == [
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
    assert by_flow["spare"].answers == []  # not on the committee: never asked
    submitted = count(Attendance, occasion, Attendance.status == "submitted")
    assert result["approved"] == submitted == count(Grade, occasion, Grade.status == "approved")
    assert sum(n for grade, n in result.items() if grade != "approved") == submitted
    with transaction() as session:  # the import left each candidate's points kept, and current
        assert rescoring.marks_revision(session, occasion_id=occasion).totals_current
        kept, summed = (
            rescoring.candidate_points(session, occasion_id=occasion, registration_ids=None, from_totals=t)
            for t in (True, False)
        )
    assert len(kept) == submitted and kept.equals(summed)
    with transaction() as session:  # the form's note meant for a justification is kept, on its question
        registration_id = registrations.by_code(session, occasion_id=occasion, code=code).id
        kept_notes = notes.for_justification(session, registration_id=registration_id)
    assert kept_notes == [(3, "staff-examiner-1", "The derivation skips the boundary case.")]
    with pytest.raises(GradingRefused, match="approved already"):
        import_results.fn(occasion)
    with pytest.raises(GradingRefused, match="changed after they were shown"):
        approve_grades.fn(occasion, "staff-grader-1", digest="not-what-was-shown")


def _personal_data(occasion: str) -> list[str]:
    """Every name, email and national id of the exam's students."""
    with transaction() as session:
        students = session.scalars(
            select(Student)
            .join(Registration, Registration.student_uid == Student.uid)
            .where(Registration.occasion_id == occasion)
        ).all()
    return [v for s in students for v in (s.first_name, s.last_name, s.email, s.national_id) if v]


def test_graders_see_codes_only_in_every_report_and_form(by_flow: dict[str, Any]):
    occasion = by_flow["occasion"]
    personal = _personal_data(occasion)
    assert len(personal) >= 10  # first and last names at least, of every registered student
    keys = [key_of(kind, occasion) for kind in ("grades", "committees", "deadlines", "results-check")]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    texts = [str(a.data) for a in artifacts]
    assert {a.key for a in artifacts} >= set(keys[:2]) and len(texts) >= 3
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
    report = next(str(a.data) for a in artifacts if a.key == key_of("grades", occasion))
    for section in ("What if a boundary moved", "#### Questions", "Discrimination", "#### Committees"):
        assert section in report
    assert "No automatic penalty" in report and "```" in report  # the flags, and the chart
    assert "| Grade | Candidates | Share |" in report and "█" not in report.split("```")[0]  # one chart
    assert "_share" not in report and "max_score" not in report  # columns in words
    leaks = sorted({p for p in personal for t in texts if p in t})
    assert leaks == []
    assert by_flow["code"] in texts[-1]


def test_the_grading_run_is_named_and_tagged_by_its_exam(by_flow: dict[str, Any]):
    occasion = by_flow["occasion"]
    exam = exam_of(occasion)
    assert exam is not None and key_of("grades", occasion).startswith("grades-" + exam.course_code.lower())
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"{exam.label} · grading"]))
        )
    assert len(runs) == 1
    assert {f"course:{exam.course_code}", f"term:{exam.term}", f"country:{exam.country}"} <= set(runs[0].tags)


def test_a_grader_sees_only_their_own_marks_unless_assessment_is_shared(world: World):
    occasion = exam_at(world, Phase.GRADED).occasion
    own = own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", False)
    shared = own_evidence.fn(occasion, "Committee 1", "staff-examiner-1", True)
    assert " staff-examiner-1 |" in own and "staff-grader-ext-1" not in own
    assert " staff-examiner-1 |" in shared and " staff-grader-ext-1 |" in shared


def test_a_conflict_declared_after_the_split_stops_grading_naming_it(world: World):
    occasion = exam_at(world, Phase.GRADED).occasion
    code = first_submitted(occasion)
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


def test_an_export_with_unknown_candidates_or_questions_is_refused_whole(world: World):
    occasion = exam_at(world, Phase.GRADED).occasion
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
