"""The audit log: who did what to which exam, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from store.schema import AuditEvent


def record(
    session: Session, *, actor: str, action: str, occasion_id: str | None, detail: dict[str, Any]
) -> AuditEvent:
    event = AuditEvent(
        at=datetime.now(UTC), actor=actor, action=action, occasion_id=occasion_id, detail=detail
    )
    session.add(event)
    session.flush()
    return event


def record_many(
    session: Session, *, actor: str, action: str, occasion_id: str | None, details: Sequence[dict[str, Any]]
) -> int:
    """One event per detail, all at the same instant, inserted in one statement (no ORM object each)."""
    if not details:
        return 0
    now = datetime.now(UTC)
    rows = [dict(at=now, actor=actor, action=action, occasion_id=occasion_id, detail=d) for d in details]
    session.execute(insert(AuditEvent), rows)
    return len(rows)


def events(session: Session, *, occasion_id: str, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.occasion_id == occasion_id).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
