"""The audit log: who did what to which exam, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import driver
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
    """One event per detail, all at the same instant, handed to the driver in one executemany: each
    detail serialised by orjson, no ORM object or SQLAlchemy parameter set each (a rescore records
    hundreds)."""
    if not details:
        return 0
    at = driver.bound(session, AuditEvent.__table__.c.at, datetime.now(UTC))
    rows = [
        (at, actor, action, occasion_id, orjson.dumps(d, option=orjson.OPT_SERIALIZE_NUMPY).decode())
        for d in details
    ]
    driver.execute(
        session, "INSERT INTO audit_log (at, actor, action, occasion_id, detail) VALUES (?, ?, ?, ?, ?)", rows
    )
    return len(rows)


def events(session: Session, *, occasion_id: str, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.occasion_id == occasion_id).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
