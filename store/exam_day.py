"""Exam day events: incidents (minutes given back) and scanned sketches, per registration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import ExamDayEvent, Registration

INCIDENT = "incident"
SKETCH = "sketch"


def held(session: Session, *, occasion_id: str, kind: str, key: str) -> bool:
    found = session.scalar(
        select(ExamDayEvent.id).where(
            ExamDayEvent.occasion_id == occasion_id, ExamDayEvent.kind == kind, ExamDayEvent.key == key
        )
    )
    return found is not None


def record(
    session: Session,
    *,
    registration: Registration,
    kind: str,
    key: str,
    entered_by: str,
    at: datetime,
    minutes: int = 0,
    reason: str = "",
    sha256: str | None = None,
    attachment_id: str | None = None,
) -> bool:
    """Records the event unless one of its kind and key is held; whether it was new."""
    if held(session, occasion_id=registration.occasion_id, kind=kind, key=key):
        return False
    session.add(
        ExamDayEvent(
            occasion_id=registration.occasion_id,
            registration_id=registration.id,
            kind=kind,
            key=key,
            minutes=minutes,
            reason=reason,
            sha256=sha256,
            attachment_id=attachment_id,
            entered_by=entered_by,
            at=at,
        )
    )
    session.flush()
    return True


def compensation(session: Session, *, occasion_id: str) -> dict[int, int]:
    """Registration id → the minutes its incidents gave back, in all."""
    rows = session.execute(
        select(ExamDayEvent.registration_id, func.sum(ExamDayEvent.minutes))
        .where(ExamDayEvent.occasion_id == occasion_id, ExamDayEvent.kind == INCIDENT)
        .group_by(ExamDayEvent.registration_id)
    )
    return {registration_id: int(total) for registration_id, total in rows}


def events(
    session: Session, *, occasion_id: str, kinds: Sequence[str] = (INCIDENT, SKETCH)
) -> list[ExamDayEvent]:
    query = select(ExamDayEvent).where(ExamDayEvent.occasion_id == occasion_id, ExamDayEvent.kind.in_(kinds))
    return list(session.scalars(query.order_by(ExamDayEvent.id)))
