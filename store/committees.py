"""Committees of graders: who sat on which, so that a later committee can be formed of new people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import (
    Approval,
    Committee,
    CommitteeCandidate,
    CommitteeMember,
    ConflictOfInterest,
    Registration,
    Staff,
)
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


def assign_candidates(session: Session, *, occasion_id: str, name: str, registration_ids: list[int]) -> None:
    """Puts candidates in a grading committee (saved before with `save`)."""
    committee_id = session.scalar(
        select(Committee.id).where(Committee.occasion_id == occasion_id, Committee.name == name)
    )
    if committee_id is None:
        raise LookupError(f"no committee {name!r} on {occasion_id}")
    rows = [dict(committee_id=committee_id, registration_id=r) for r in registration_ids]
    upsert(session, CommitteeCandidate, rows, keys=["committee_id", "registration_id"], update=[])


def grading_committees(session: Session, *, occasion_id: str) -> dict[str, list[str]]:
    """Committee name → its graders' staff ids, for the exam's grading committees."""
    rows = session.execute(
        select(Committee.name, CommitteeMember.staff_id)
        .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
        .where(Committee.occasion_id == occasion_id, Committee.kind == "grading")
        .order_by(Committee.id, CommitteeMember.staff_id)
    ).all()
    out: dict[str, list[str]] = {}
    for name, staff_id in rows:
        out.setdefault(name, []).append(staff_id)
    return out


def grader_names(session: Session, *, occasion_id: str) -> dict[str, str]:
    """Staff id → name of the graders of the exam's grading committees (the platform's contributors)."""
    rows = (
        session.execute(
            select(Staff.id, Staff.name)
            .join(CommitteeMember, CommitteeMember.staff_id == Staff.id)
            .join(Committee, Committee.id == CommitteeMember.committee_id)
            .where(Committee.occasion_id == occasion_id, Committee.kind == "grading")
            .distinct()
        )
        .tuples()
        .all()
    )
    return dict(rows)


def candidates_of(session: Session, *, occasion_id: str, name: str) -> dict[int, str]:
    """Registration id → anonymisation code of a committee's candidates, in code order."""
    rows = (
        session.execute(
            select(Registration.id, Registration.anonymisation_code)
            .join(CommitteeCandidate, CommitteeCandidate.registration_id == Registration.id)
            .join(Committee, Committee.id == CommitteeCandidate.committee_id)
            .where(Committee.occasion_id == occasion_id, Committee.name == name)
            .order_by(Registration.anonymisation_code)
        )
        .tuples()
        .all()
    )
    return dict(rows)


def declare_conflict(session: Session, *, staff_id: str, student_uid: str, reason: str = "") -> None:
    upsert(
        session,
        ConflictOfInterest,
        [dict(staff_id=staff_id, student_uid=student_uid, reason=reason)],
        keys=["staff_id", "student_uid"],
        update=["reason"],
    )


def conflicts(session: Session, *, staff_ids: list[str]) -> set[tuple[str, str]]:
    """(staff id, student uid) pairs that may not meet in a committee."""
    rows = session.execute(
        select(ConflictOfInterest.staff_id, ConflictOfInterest.student_uid).where(
            ConflictOfInterest.staff_id.in_(staff_ids)
        )
    ).all()
    return {(a, b) for a, b in rows}


def committee_of(session: Session, *, registration_id: int) -> list[str]:
    """The graders of the grading committee that graded this candidate."""
    query = (
        select(CommitteeMember.staff_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .join(CommitteeCandidate, CommitteeCandidate.committee_id == Committee.id)
        .where(CommitteeCandidate.registration_id == registration_id, Committee.kind == "grading")
        .order_by(CommitteeMember.staff_id)
    )
    return list(session.scalars(query))
