"""Requests for justification or appeal read from the register's data, each started once: a row
is recorded before its flow run is started and carries the run's id once it is."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Appeal, JustificationRecord, RegisterRequestRecord, Registration


def candidates(session: Session, *, occasion_id: str) -> dict[str, int]:
    """Anonymisation code → registration id, for every candidate ever registered on the occasion."""
    query = select(Registration.anonymisation_code, Registration.id).where(
        Registration.occasion_id == occasion_id
    )
    return dict(session.execute(query).tuples().all())


def held(session: Session, *, occasion_id: str) -> set[tuple[int, str]]:
    """(registration id, kind) of every justification or appeal held for the occasion: received
    through a coordinator's form or read from the register before."""
    justified = select(JustificationRecord.registration_id).where(
        JustificationRecord.occasion_id == occasion_id
    )
    appealed = select(Appeal.registration_id).where(Appeal.occasion_id == occasion_id)
    read = select(RegisterRequestRecord.registration_id, RegisterRequestRecord.kind).where(
        RegisterRequestRecord.occasion_id == occasion_id
    )
    return (
        {(r, "justification") for r in session.scalars(justified)}
        | {(r, "appeal") for r in session.scalars(appealed)}
        | set(session.execute(read).tuples().all())
    )


def recorded(session: Session, *, occasion_id: str) -> dict[str, str | None]:
    """Request id → the flow run started for it (None while not started)."""
    query = select(RegisterRequestRecord.request_id, RegisterRequestRecord.flow_run_id).where(
        RegisterRequestRecord.occasion_id == occasion_id
    )
    return dict(session.execute(query).tuples().all())


def record(
    session: Session,
    *,
    occasion_id: str,
    request_id: str,
    kind: str,
    registration_id: int,
    received_on: date,
) -> RegisterRequestRecord:
    """Records the request once; recording it again returns the first."""
    existing = _find(session, occasion_id, request_id)
    if existing is not None:
        return existing
    row = RegisterRequestRecord(
        occasion_id=occasion_id,
        request_id=request_id,
        kind=kind,
        registration_id=registration_id,
        received_on=received_on,
        recorded_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def mark_started(session: Session, *, occasion_id: str, request_id: str, flow_run_id: str) -> None:
    row = _find(session, occasion_id, request_id)
    if row is None:
        raise LookupError(f"request {request_id} of {occasion_id} was never recorded")
    row.flow_run_id = flow_run_id
    session.flush()


def _find(session: Session, occasion_id: str, request_id: str) -> RegisterRequestRecord | None:
    return session.scalar(
        select(RegisterRequestRecord).where(
            RegisterRequestRecord.occasion_id == occasion_id, RegisterRequestRecord.request_id == request_id
        )
    )
