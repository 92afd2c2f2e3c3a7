"""Appeals: receive, grade anew (blind), set the new grade and tell the student."""

from __future__ import annotations

from datetime import date

from prefect import task

from models.domain import Frozen
from models.settings import get_settings
from rules.grades import Scale
from store import appeals, audit, grading, occasions, outbox, registrations
from store.db import transaction
from store.schema import Appeal, Registration, Student
from tasks.common import REPLAY_SAFE


class AppealCase(Frozen):
    appeal_id: int
    registration_id: int
    candidate: str
    grades: tuple[str, ...]
    points_by_question: dict[str, float]


@task(name="receive-appeal", **REPLAY_SAFE)
def receive_appeal(occasion_id: str, anonymisation_code: str, received_on: date) -> AppealCase:
    """Registers the appeal and gathers what the appeal committee may see: the paper's points, no grade."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        registration = registrations.by_code(session, occasion_id=occasion_id, code=anonymisation_code)
        appeal = appeals.receive(
            session, occasion_id=occasion_id, registration_id=registration.id, received_on=received_on
        )
        marks = grading.marks_of(session, registration_id=registration.id)
        audit.record(
            session,
            actor="faculty",
            action="appeal.received",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal.id, "candidate": anonymisation_code},
        )
        return AppealCase(
            appeal_id=appeal.id,
            registration_id=registration.id,
            candidate=anonymisation_code,
            grades=Scale(occasion.scale).grades,
            points_by_question={m.question_id: m.score for m in marks},
        )


@task(name="decide-appeal", **REPLAY_SAFE)
def decide_appeal(occasion_id: str, appeal_id: int, new_grade: str, decided_by: str) -> str:
    """Sets the new grade, audits the decision and notifies the student through the outbox.
    A replay after the decision changes nothing and sends nothing again."""
    with transaction() as session:
        Scale(occasions.get(session, occasion_id).scale).require(new_grade)
        done = session.get(Appeal, appeal_id)
        if done is not None and done.status == "decided" and done.new_grade == new_grade:
            return done.original_grade
        appeal = appeals.decide(session, appeal_id=appeal_id, new_grade=new_grade)
        registration = session.get(Registration, appeal.registration_id)
        assert registration is not None
        student = session.get(Student, registration.student_uid)
        audit.record(
            session,
            actor=decided_by,
            action="appeal.decided",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal_id, "original": appeal.original_grade, "new": new_grade},
        )
        outbox.enqueue(
            session,
            recipient=(student.email if student and student.email else f"student:{registration.student_uid}"),
            subject=f"Decision on your appeal ({occasion_id})",
            body=(
                f"Your appeal of the exam {occasion_id} (code {registration.anonymisation_code}) "
                f"was graded anew.\nNew grade: {new_grade}. This grade cannot be appealed again.\n"
            ),
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    return appeal.original_grade
