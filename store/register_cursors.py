"""How far examflow has read each register's events: one opaque cursor per register."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from store.schema import RegisterCursor


def get(session: Session, *, register: str) -> str | None:
    row = session.get(RegisterCursor, register)
    return None if row is None else row.cursor


def put(session: Session, *, register: str, cursor: str) -> None:
    row = session.get(RegisterCursor, register)
    if row is None:
        session.add(RegisterCursor(register=register, cursor=cursor, updated_at=datetime.now(UTC)))
    else:
        row.cursor, row.updated_at = cursor, datetime.now(UTC)
    session.flush()
