"""The transfer ledger: a row committed before each write to the register, confirmed after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, exists, func, select
from sqlalchemy.orm import Session

from store.schema import Occasion, TransferLedgerEntry
from store.upsert import upsert


class Outcome(NamedTuple):
    """How one write ended, for its ledger row."""

    key: str
    status: str  # confirmed, failed or stale
    result_uid: str | None = None
    error: str | None = None


def begin_many(session: Session, *, occasion_id: str, rows: Sequence[dict[str, Any]]) -> None:
    """Pending rows (key, registration_id, grade, exam_date), each made once per key: a row an
    interrupted run left is kept as it is."""
    now = datetime.now(UTC)
    records = [
        dict(
            idempotency_key=r["key"],
            occasion_id=occasion_id,
            registration_id=r["registration_id"],
            grade=r["grade"],
            exam_date=r["exam_date"],
            status="pending",
            created_at=now,
            updated_at=now,
        )
        for r in rows
    ]
    upsert(session, TransferLedgerEntry, records, keys=["idempotency_key"], update=[])


def finish_many(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Records how each write ended, in one statement for the lot."""
    if not outcomes:
        return
    table: Table = TransferLedgerEntry.__table__  # type: ignore[assignment]  # declared with Base: a Table
    statement = (
        table.update()
        .where(table.c.idempotency_key == bindparam("k"))
        .values(
            status=bindparam("s"),
            register_result_uid=func.coalesce(bindparam("u"), table.c.register_result_uid),
            error=bindparam("e"),
            updated_at=bindparam("t"),
        )
    )
    now = datetime.now(UTC)
    session.execute(
        statement, [dict(k=o.key, s=o.status, u=o.result_uid, e=o.error, t=now) for o in outcomes]
    )


def pending(session: Session, *, occasion_id: str) -> list[TransferLedgerEntry]:
    query = select(TransferLedgerEntry).where(
        TransferLedgerEntry.occasion_id == occasion_id, TransferLedgerEntry.status == "pending"
    )
    return list(session.scalars(query))


def published_on(session: Session, *, registration_id: int) -> date | None:
    """The day the candidate's result first reached the register, taken as its publication."""
    query = select(func.min(TransferLedgerEntry.updated_at)).where(
        TransferLedgerEntry.registration_id == registration_id, TransferLedgerEntry.status == "confirmed"
    )
    first = session.scalar(query)
    return None if first is None else first.date()


def counts(session: Session, *, occasion_id: str) -> dict[str, int]:
    query = (
        select(TransferLedgerEntry.status, func.count())
        .where(TransferLedgerEntry.occasion_id == occasion_id)
        .group_by(TransferLedgerEntry.status)
    )
    return {status: int(n) for status, n in session.execute(query).all()}


def published(session: Session, *, occasion_id: str) -> bool:
    """Whether any result of the occasion reached the register (see `published_on`)."""
    query = select(
        exists().where(
            TransferLedgerEntry.occasion_id == occasion_id, TransferLedgerEntry.status == "confirmed"
        )
    )
    return bool(session.scalar(query))


def published_since(session: Session, *, country: str, since: datetime) -> list[str]:
    """The country's occasions with a result that reached the register on or after `since`."""
    published = select(TransferLedgerEntry.occasion_id).where(
        TransferLedgerEntry.status == "confirmed", TransferLedgerEntry.updated_at >= since
    )
    query = select(Occasion.id).where(Occasion.country == country, Occasion.id.in_(published))
    return list(session.scalars(query.order_by(Occasion.id)))
