"""The audit log: who did what to which exam, and when. Every event is chained to the one before it
by hashes (store/audit_chain.py), which `python -m store.verify_audit` checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import audit_chain, driver
from store.audit_chain import Head
from store.schema import AuditEvent


def record(
    session: Session, *, actor: str, action: str, occasion_id: str | None, detail: dict[str, Any]
) -> AuditEvent:
    at = datetime.now(UTC)
    text = audit_chain.canonical(detail)
    detail_digest = audit_chain.digest(text)
    prev = audit_chain.head_for_append(session)
    seq = prev.seq + 1
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        occasion_id=occasion_id,
        detail=orjson.loads(text),
        seq=seq,
        prev_hash=prev.hash,
        detail_digest=detail_digest,
        hash=audit_chain.event_hash(seq, at, actor, action, occasion_id, detail_digest, prev.hash),
    )
    session.add(event)
    session.flush()
    return event


def record_many(
    session: Session, *, actor: str, action: str, occasion_id: str | None, details: Sequence[dict[str, Any]]
) -> int:
    """One event per detail, all at the same instant, chained in one pass and handed to the driver in
    one executemany: each detail serialised once (its canonical JSON is both the text stored and what
    its digest covers), no ORM object or SQLAlchemy parameter set each (a rescore records hundreds)."""
    if not details:
        return 0
    now = datetime.now(UTC)
    at = driver.bound(session, AuditEvent.__table__.c.at, now)
    fixed = audit_chain.fixed_part(now, actor, action, occasion_id)
    prev = audit_chain.head_for_append(session)
    seq, prev_hash = prev.seq, prev.hash
    rows = []
    for detail in details:
        text = audit_chain.canonical(detail)
        detail_digest = audit_chain.digest(text)
        seq += 1
        own = audit_chain.chained(seq, fixed, detail_digest, prev_hash)
        rows.append((at, actor, action, occasion_id, text.decode(), seq, prev_hash, detail_digest, own))
        prev_hash = own
    driver.execute(
        session,
        "INSERT INTO audit_log (at, actor, action, occasion_id, detail, seq, prev_hash, detail_digest, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def head_to_anchor(session: Session) -> Head:
    """The chain's head as this session sees it (read in a transaction of its own: as committed), to
    be kept outside the database (an artifact, the exam's archive case): `store.verify_audit` given it
    later checks that the chain still holds it, unchanged and not cut below it."""
    return audit_chain.head(session)


def events(session: Session, *, occasion_id: str, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.occasion_id == occasion_id).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
