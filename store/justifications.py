"""Justifications: requested by a student, written by the examiner, due by a date the law sets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import JustificationRecord, Registration


def request(
    session: Session, *, occasion_id: str, registration_id: int, requested_on: date, due_on: date
) -> JustificationRecord:
    """Records the request once; asking again returns the first."""
    existing = for_registration(session, registration_id=registration_id)
    if existing is not None:
        return existing
    record = JustificationRecord(
        occasion_id=occasion_id, registration_id=registration_id, requested_on=requested_on, due_on=due_on
    )
    session.add(record)
    session.flush()
    return record


def give(
    session: Session, *, justification_id: int, text: str, given_by: str, given_on: date
) -> JustificationRecord:
    record = session.get(JustificationRecord, justification_id)
    if record is None:
        raise LookupError(f"no justification {justification_id}")
    if record.given_on is None:
        record.text, record.given_by, record.given_on = text, given_by, given_on
        session.flush()
    return record


def for_registration(session: Session, *, registration_id: int) -> JustificationRecord | None:
    """The candidate's request for a justification, if they made one."""
    return session.scalar(
        select(JustificationRecord).where(JustificationRecord.registration_id == registration_id)
    )


def given(session: Session, *, occasion_id: str) -> list[tuple[JustificationRecord, str]]:
    """The justifications given on the occasion, with the candidate's anonymisation code."""
    query = (
        select(JustificationRecord, Registration.anonymisation_code)
        .join(Registration, Registration.id == JustificationRecord.registration_id)
        .where(JustificationRecord.occasion_id == occasion_id, JustificationRecord.given_on.is_not(None))
        .order_by(JustificationRecord.id)
    )
    return [(record, code) for record, code in session.execute(query).all()]
