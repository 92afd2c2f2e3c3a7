"""Applications for a digital exam, and what a term's sittings count for its digital share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import DigitalApplication, DigitalShare, ExamFormRecord, Occasion, Registration


def apply(
    session: Session,
    *,
    occasion_id: str,
    applicant_id: str,
    form: str,
    students: int,
    reason: str,
    at: datetime,
) -> int:
    row = DigitalApplication(
        occasion_id=occasion_id,
        applicant_id=applicant_id,
        form=form,
        students=students,
        reason=reason,
        status="pending",
        applied_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def decide(
    session: Session, *, application_id: int, approved: bool, decided_by: str, comment: str, at: datetime
) -> DigitalApplication:
    row = session.get_one(DigitalApplication, application_id)
    row.status = "approved" if approved else "rejected"
    row.decided_by = decided_by
    row.comment = comment
    row.decided_at = at
    session.flush()
    return row


@dataclass(frozen=True)
class Sitting:
    """One exam sitting of a term: its form (empty when planned before forms were recorded), its
    exam type and its registrations."""

    occasion_id: str
    form: str
    exam_type: str
    registrations: int


def sittings_between(session: Session, starts: datetime, ends: datetime) -> list[Sitting]:
    """Every exam sitting starting in [starts, ends), with its count of current registrations."""
    registered = (
        select(Registration.occasion_id, func.count().label("n"))
        .where(Registration.status == "registered")
        .group_by(Registration.occasion_id)
        .subquery()
    )
    rows = session.execute(
        select(Occasion.id, ExamFormRecord.form, Occasion.exam_type, registered.c.n)
        .outerjoin(ExamFormRecord, ExamFormRecord.occasion_id == Occasion.id)
        .outerjoin(registered, registered.c.occasion_id == Occasion.id)
        .where(Occasion.starts_at >= starts, Occasion.starts_at < ends)
        .order_by(Occasion.id)
    ).all()
    return [Sitting(row[0], row[1] or "", row[2], row[3] or 0) for row in rows]


def record_share(
    session: Session,
    *,
    term: str,
    sittings: int,
    digital_sittings: int,
    registrations: int,
    digital_registrations: int,
    at: datetime,
) -> None:
    session.add(
        DigitalShare(
            term=term,
            sittings=sittings,
            digital_sittings=digital_sittings,
            registrations=registrations,
            digital_registrations=digital_registrations,
            recorded_at=at,
        )
    )
    session.flush()
