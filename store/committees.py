"""Committees of graders: who sat on which, so that a later committee can be formed of new people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Approval, Committee, CommitteeMember, Staff
from store.upsert import upsert


def save(session: Session, *, occasion_id: str, name: str, kind: str, members: list[str]) -> None:
    """Records the committee once (a replay keeps the first composition)."""
    upsert(
        session,
        Committee,
        [dict(occasion_id=occasion_id, name=name, kind=kind)],
        keys=["occasion_id", "name"],
        update=[],
    )
    committee_id = session.scalar(
        select(Committee.id).where(Committee.occasion_id == occasion_id, Committee.name == name)
    )
    upsert(
        session,
        CommitteeMember,
        [dict(committee_id=committee_id, staff_id=m) for m in members],
        keys=["committee_id", "staff_id"],
        update=[],
    )


def members(session: Session, *, occasion_id: str, name: str) -> list[Staff]:
    query = (
        select(Staff)
        .join(CommitteeMember, CommitteeMember.staff_id == Staff.id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(Committee.occasion_id == occasion_id, Committee.name == name)
        .order_by(Staff.id)
    )
    return list(session.scalars(query))


def original_graders(session: Session, *, occasion_id: str) -> list[Staff]:
    """Who graded the exam: its grading committees' members and whoever approved its grading."""
    in_committees = (
        select(CommitteeMember.staff_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(Committee.occasion_id == occasion_id, Committee.kind == "grading")
    )
    approved = select(Approval.decided_by).where(
        Approval.occasion_id == occasion_id, Approval.kind == "grading", Approval.status == "approved"
    )
    query = select(Staff).where(Staff.id.in_(in_committees) | Staff.id.in_(approved)).order_by(Staff.id)
    return list(session.scalars(query))
