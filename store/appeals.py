"""Appeals of a grade: received, graded anew, decided."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import grading
from store.schema import Appeal, Grade, Registration


class AppealRefused(Exception):
    """The appeal cannot be taken; the message says why."""


def receive(session: Session, *, occasion_id: str, registration_id: int, received_on: date) -> Appeal:
    """Registers the appeal once; the same candidate appealing again gets the first back."""
    existing = session.scalar(select(Appeal).where(Appeal.registration_id == registration_id))
    if existing is not None and existing.status == "decided":
        raise AppealRefused(
            f"the grade was already set on appeal ({existing.new_grade}); it cannot be appealed again"
        )
    if existing is not None:
        return existing
    grade = session.get(Grade, registration_id)
    if grade is None or grade.status != "approved":
        raise AppealRefused("the candidate has no approved grade to appeal")
    appeal = Appeal(
        occasion_id=occasion_id,
        registration_id=registration_id,
        received_on=received_on,
        status="received",
        original_grade=grade.grade,
    )
    session.add(appeal)
    session.flush()
    return appeal


def open_for(session: Session, *, registration_id: int) -> bool:
    """Whether an appeal of the candidate's grade is received and not yet decided."""
    appeal = session.scalar(select(Appeal).where(Appeal.registration_id == registration_id))
    return appeal is not None and appeal.status != "decided"


def decided_for(session: Session, *, registration_id: int) -> bool:
    """Whether the candidate's grade is already the outcome of an appeal."""
    appeal = session.scalar(select(Appeal).where(Appeal.registration_id == registration_id))
    return appeal is not None and appeal.status == "decided"


def decide(session: Session, *, appeal_id: int, new_grade: str) -> Appeal:
    """Sets the new grade on the appeal and as the candidate's approved grade."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise LookupError(f"no appeal {appeal_id}")
    if appeal.status == "decided":
        raise AppealRefused(f"appeal {appeal_id} was already decided ({appeal.new_grade})")
    appeal.new_grade = new_grade
    appeal.status = "decided"
    appeal.decided_at = datetime.now(UTC)
    grading.set_grade(session, registration_id=appeal.registration_id, grade=new_grade)
    return appeal


def decided(session: Session, *, occasion_id: str) -> list[tuple[Appeal, str]]:
    """Decided appeals with the candidate's anonymisation code."""
    query = (
        select(Appeal, Registration.anonymisation_code)
        .join(Registration, Registration.id == Appeal.registration_id)
        .where(Appeal.occasion_id == occasion_id, Appeal.status == "decided")
        .order_by(Appeal.id)
    )
    return [(appeal, code) for appeal, code in session.execute(query).all()]
