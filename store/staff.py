"""Staff and the roles they hold, globally or for one occasion."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.schema import Staff, StaffRole
from store.upsert import upsert


def add_staff(
    session: Session,
    *,
    staff_id: str,
    name: str,
    email: str,
    external: bool = False,
    roles: dict[str, str] | None = None,
) -> None:
    """Adds or updates a person; `roles` maps role → occasion id ('' for every occasion)."""
    upsert(
        session,
        Staff,
        [dict(id=staff_id, name=name, email=email, external=external)],
        keys=["id"],
        update=["name", "email", "external"],
    )
    rows = [dict(staff_id=staff_id, role=r, occasion_id=o) for r, o in (roles or {}).items()]
    upsert(session, StaffRole, rows, keys=["staff_id", "role", "occasion_id"], update=[])


def holders(session: Session, *, role: str, occasion_id: str) -> list[Staff]:
    """Everyone holding `role` for this occasion or for all occasions."""
    query = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role == role, or_(StaffRole.occasion_id == occasion_id, StaffRole.occasion_id == ""))
        .distinct()
        .order_by(Staff.id)
    )
    return list(session.scalars(query))


def holders_for(session: Session, *, role: str, occasion_id: str) -> list[str]:
    """The staff ids holding `role` for this very occasion (not for all occasions)."""
    query = select(StaffRole.staff_id).where(StaffRole.role == role, StaffRole.occasion_id == occasion_id)
    return list(session.scalars(query.order_by(StaffRole.staff_id)))


def holds_role(session: Session, *, staff_id: str, role: str, occasion_id: str) -> bool:
    return any(s.id == staff_id for s in holders(session, role=role, occasion_id=occasion_id))
