"""Leases: one holder at a time per name, taken over only once expired (a crashed holder)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from store.schema import Lock
from store.upsert import upsert


class Busy(Exception):
    """Another holder has the lease; the message says since when."""


def acquire(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> None:
    """Takes the lease or raises Busy. The row is made if missing (a concurrent maker waits on the
    key, then finds it), then read locked (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE)."""
    upsert(
        session,
        Lock,
        [dict(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)],
        keys=["name"],
        update=[],
    )
    row = session.get(Lock, name, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.holder != holder and row.expires_at > now:
        raise Busy(
            f"{name} is held since {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC (until "
            f"{row.expires_at:%H:%M:%S} unless renewed)"
        )
    row.holder, row.acquired_at, row.expires_at = holder, now, now + ttl
    session.flush()


def renew(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    result = session.execute(
        update(Lock).where(Lock.name == name, Lock.holder == holder).values(expires_at=now + ttl)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


def release(session: Session, *, name: str, holder: str) -> None:
    session.execute(delete(Lock).where(Lock.name == name, Lock.holder == holder))
