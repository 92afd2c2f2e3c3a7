"""The transfer ledger: a row committed before each write to the register, confirmed after."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import TransferLedgerEntry


def entry(session: Session, *, key: str) -> TransferLedgerEntry | None:
    return session.scalar(select(TransferLedgerEntry).where(TransferLedgerEntry.idempotency_key == key))


def begin(
    session: Session, *, key: str, occasion_id: str, registration_id: int, grade: str, exam_date: date
) -> TransferLedgerEntry:
    """The pending row for one write, created once per key."""
    row = entry(session, key=key)
    if row is None:
        now = datetime.now(UTC)
        row = TransferLedgerEntry(
            idempotency_key=key,
            occasion_id=occasion_id,
            registration_id=registration_id,
            grade=grade,
            exam_date=exam_date,
            status="pending",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def finish(
    session: Session, *, key: str, status: str, result_uid: str | None = None, error: str | None = None
) -> None:
    row = entry(session, key=key)
    if row is None:
        raise LookupError(f"no ledger row {key}")
    row.status = status
    row.register_result_uid = result_uid or row.register_result_uid
    row.error = error
    row.updated_at = datetime.now(UTC)
    session.flush()


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
