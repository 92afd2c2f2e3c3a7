"""Legal holds: what stops retention purging an exam. A hold a coordinator places (a complaint,
or a case they mark) stays until lifted; an appeal not yet decided holds its exam by itself, as
does one the register (FS) holds that no appeal run has taken up yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Appeal, LegalHold, RegisterRequestRecord, Registration

KINDS = ("complaint", "case")


def place(
    session: Session, *, occasion_id: str, kind: str, reason: str, staff_id: str, at: datetime
) -> LegalHold:
    if kind not in KINDS:
        raise ValueError(f"legal hold on {occasion_id}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not reason.strip():
        raise ValueError(f"legal hold on {occasion_id}: a reason is required")
    hold = LegalHold(
        occasion_id=occasion_id, kind=kind, reason=reason.strip(), placed_by=staff_id, placed_at=at
    )
    session.add(hold)
    session.flush()
    return hold


def lift(session: Session, *, occasion_id: str, kind: str, staff_id: str, at: datetime) -> int:
    """Lifts the exam's holds of `kind` in force; returns how many."""
    held = open_holds(session, occasion_id=occasion_id)
    lifted = [h for h in held if h.kind == kind]
    for hold in lifted:
        hold.lifted_by, hold.lifted_at = staff_id, at
    session.flush()
    return len(lifted)


def open_holds(session: Session, *, occasion_id: str) -> list[LegalHold]:
    query = (
        select(LegalHold)
        .where(LegalHold.occasion_id == occasion_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id)
    )
    return list(session.scalars(query))


def reasons(session: Session, *, occasion_id: str) -> list[str]:
    """Why the exam may not be purged now, for a person: each hold in force and each open appeal."""
    held = [
        f"{h.kind} held by {h.placed_by} since {h.placed_at.date().isoformat()}: {h.reason}"
        for h in open_holds(session, occasion_id=occasion_id)
    ]
    appeals = session.execute(
        select(Registration.anonymisation_code, Appeal.received_on)
        .join(Registration, Registration.id == Appeal.registration_id)
        .where(Appeal.occasion_id == occasion_id, Appeal.status != "decided")
        .order_by(Registration.anonymisation_code)
    ).all()
    requested = session.execute(
        select(Registration.anonymisation_code, RegisterRequestRecord.received_on)
        .join(Registration, Registration.id == RegisterRequestRecord.registration_id)
        .outerjoin(Appeal, Appeal.registration_id == RegisterRequestRecord.registration_id)
        .where(
            RegisterRequestRecord.occasion_id == occasion_id,
            RegisterRequestRecord.kind == "appeal",
            Appeal.id.is_(None),
        )
        .order_by(Registration.anonymisation_code)
    ).all()
    return (
        held
        + [f"appeal of {code} open since {received.isoformat()}" for code, received in appeals]
        + [f"appeal of {code} received by the register on {on.isoformat()}" for code, on in requested]
    )
