"""What decides whether an exam's case is closed: its published results, with any justification
asked for, and the requests not yet settled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import (
    Appeal,
    JustificationRecord,
    Occasion,
    RegisterRequestRecord,
    Registration,
    TransferLedgerEntry,
)

# Results are in the register and the case not yet archived (an appeal's transfer after the archive
# sets this again, so the changed protocol is filed in the same case).
AWAITING = "transferred"


def awaiting_archive(session: Session) -> list[str]:
    query = select(Occasion.id).where(Occasion.status == AWAITING).order_by(Occasion.id)
    return list(session.scalars(query))


def published(session: Session, *, occasion_id: str) -> list[tuple[str, date, date | None, date | None]]:
    """Each candidate with a result in the register: their code, the day it first reached the
    register (as `store.transfer.published_on`), and when they asked for a justification and
    were given it."""
    first = (
        select(TransferLedgerEntry.registration_id, func.min(TransferLedgerEntry.updated_at).label("at"))
        .where(TransferLedgerEntry.occasion_id == occasion_id, TransferLedgerEntry.status == "confirmed")
        .group_by(TransferLedgerEntry.registration_id)
        .subquery()
    )
    query = (
        select(
            Registration.anonymisation_code,
            first.c.at,
            JustificationRecord.requested_on,
            JustificationRecord.given_on,
        )
        .join(first, first.c.registration_id == Registration.id)
        .outerjoin(JustificationRecord, JustificationRecord.registration_id == Registration.id)
        .order_by(Registration.anonymisation_code)
    )
    return [(code, at.date(), asked, given) for code, at, asked, given in session.execute(query).all()]


def open_requests(session: Session, *, occasion_id: str) -> list[tuple[str, str]]:
    """(kind, code) of every request not settled: a justification not given, an appeal not decided,
    a request read from the register whose run was not started yet."""
    justifications = select(JustificationRecord.registration_id).where(
        JustificationRecord.occasion_id == occasion_id, JustificationRecord.given_on.is_(None)
    )
    appeals = select(Appeal.registration_id).where(
        Appeal.occasion_id == occasion_id, Appeal.status != "decided"
    )
    collected = select(RegisterRequestRecord.kind, RegisterRequestRecord.registration_id).where(
        RegisterRequestRecord.occasion_id == occasion_id, RegisterRequestRecord.flow_run_id.is_(None)
    )
    found = [("justification", r) for r in session.scalars(justifications)]
    found += [("appeal", r) for r in session.scalars(appeals)]
    found += [(f"{kind} (from the register, not started)", r) for kind, r in session.execute(collected).all()]
    codes = _codes(session, {r for _, r in found})
    return sorted((kind, codes[r]) for kind, r in found)


def _codes(session: Session, registration_ids: set[int]) -> dict[int, str]:
    if not registration_ids:
        return {}
    query = select(Registration.id, Registration.anonymisation_code).where(
        Registration.id.in_(registration_ids)
    )
    return dict(session.execute(query).tuples().all())
