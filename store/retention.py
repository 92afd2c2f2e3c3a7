"""Retention's reads and purges of one exam in examflow's store. Each purge removes one kind of
the exam's data (settings: retention) and returns what it removed, counted: the task records the
counts (`record`), audited, never the data. Grades, points, marks' scores, the archive's records
and the audit log's chain stay: an audit event's detail is reduced in place, its digest kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from store import audit
from store.schema import (
    AnonymisationCode,
    ArchiveRecord,
    AuditEvent,
    ConflictOfInterest,
    Grade,
    GraderNote,
    JustificationRecord,
    Mark,
    Occasion,
    OutboxMessage,
    Registration,
    RetentionPurge,
    Student,
)

ARCHIVED = "archived"
# Retention's own events and the holds' keep their details: counts and kinds, never personal data.
OWN_ACTIONS = ("retention.purged", "legal_hold.placed", "legal_hold.lifted")


def candidates(session: Session, *, kinds: int) -> list[str]:
    """The archived exams with fewer than `kinds` kinds of data purged."""
    purged = (
        select(func.count())
        .where(RetentionPurge.occasion_id == Occasion.id)
        .correlate(Occasion)
        .scalar_subquery()
    )
    query = select(Occasion.id).where(Occasion.status == ARCHIVED, purged < kinds).order_by(Occasion.id)
    return list(session.scalars(query))


def counted_from(session: Session, *, occasion_id: str) -> datetime:
    """The exam's last grade change, or its end when it has no grade."""
    last = session.scalar(select(func.max(Grade.updated_at)).where(Grade.occasion_id == occasion_id))
    return last or session.get_one(Occasion, occasion_id).ends_at


def purged_kinds(session: Session, *, occasion_id: str) -> set[str]:
    return set(session.scalars(select(RetentionPurge.kind).where(RetentionPurge.occasion_id == occasion_id)))


def archived(session: Session, *, occasion_id: str) -> list[ArchiveRecord]:
    """Where each of the exam's documents lies in the archive, with our checksum."""
    query = select(ArchiveRecord).where(ArchiveRecord.occasion_id == occasion_id).order_by(ArchiveRecord.id)
    return list(session.scalars(query))


def platform_test(session: Session, *, occasion_id: str) -> str | None:
    return session.get_one(Occasion, occasion_id).platform_test_id


def record(session: Session, *, occasion_id: str, kind: str, counts: dict[str, int], at: datetime) -> None:
    session.add(RetentionPurge(occasion_id=occasion_id, kind=kind, purged_at=at, counts=counts))
    audit.record(
        session,
        actor="examflow",
        action="retention.purged",
        occasion_id=occasion_id,
        detail={"kind": kind, **counts},
    )


def purge_answers(session: Session, *, occasion_id: str) -> dict[str, int]:
    """The choice answers kept beside the marks (the platform's answers are the task's to delete)."""
    done = session.execute(
        update(Mark)
        .where(Mark.occasion_id == occasion_id, Mark.response.is_not(None))
        .values(response=None)
        .execution_options(synchronize_session=False)
    )
    return {"choice_answers": _count(done)}


def purge_mails(session: Session, *, occasion_id: str) -> dict[str, int]:
    """The exam's mails to its students, rows and delivered files."""
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.occasion_id == occasion_id)))
    files = 0
    for message in rows:
        if message.delivered_path and Path(message.delivered_path).exists():
            Path(message.delivered_path).unlink()
            files += 1
        session.delete(message)
    session.flush()
    return {"mails": len(rows), "mail_files": files}


def purge_notes(session: Session, *, occasion_id: str) -> dict[str, int]:
    """The graders' notes, and the justifications' texts drafted from them (filed in the archive)."""
    notes = session.execute(delete(GraderNote).where(GraderNote.occasion_id == occasion_id))
    texts = session.execute(
        update(JustificationRecord)
        .where(JustificationRecord.occasion_id == occasion_id, JustificationRecord.text.is_not(None))
        .values(text=None)
        .execution_options(synchronize_session=False)
    )
    return {"notes": _count(notes), "justification_texts": _count(texts)}


def personal(session: Session, *, occasion_id: str) -> list[tuple[str, Student]]:
    """Each candidate's code and the student behind it."""
    rows = session.execute(
        select(Registration.anonymisation_code, Student)
        .join(Student, Student.uid == Registration.student_uid)
        .where(Registration.occasion_id == occasion_id)
        .order_by(Registration.anonymisation_code)
    ).tuples()
    return list(rows)


def detach_students(session: Session, *, occasion_id: str) -> dict[str, int]:
    """Each registration (and its code) moved from its student to a student of its code alone; a
    student left with no registration is deleted, with the conflicts declared with them; one
    registered for another exam is kept for it."""
    registrations = list(session.scalars(select(Registration).where(Registration.occasion_id == occasion_id)))
    before = {r.student_uid for r in registrations}
    for registration in registrations:
        _detach(session, registration)
    session.flush()
    left = _without_registrations(session, before)
    session.execute(delete(ConflictOfInterest).where(ConflictOfInterest.student_uid.in_(left)))
    session.execute(delete(Student).where(Student.uid.in_(left)))
    return {
        "candidates": len(registrations),
        "students_deleted": len(left),
        "students_kept_for_other_exams": len(before) - len(left),
    }


def anonymous_uid(occasion_id: str, code: str) -> str:
    return f"purged:{occasion_id}:{code}"


def _detach(session: Session, registration: Registration) -> None:
    """The registration and its code moved from the student to a student of the code alone."""
    uid = anonymous_uid(registration.occasion_id, registration.anonymisation_code)
    if session.get(Student, uid) is None:
        session.add(Student(uid=uid, first_name="", last_name="", national_id=None, email=None))
        session.flush()
    session.execute(
        update(AnonymisationCode)
        .where(
            AnonymisationCode.occasion_id == registration.occasion_id,
            AnonymisationCode.student_uid == registration.student_uid,
        )
        .values(student_uid=uid)
    )
    registration.student_uid = uid


def _without_registrations(session: Session, uids: Iterable[str]) -> list[str]:
    wanted = sorted(uids)
    still = set(session.scalars(select(Registration.student_uid).where(Registration.student_uid.in_(wanted))))
    return [uid for uid in wanted if uid not in still]


def rewrite_details(
    session: Session, *, occasion_id: str, at: datetime, rewrite: Callable[[Any], Any]
) -> int:
    """Replaces each of the exam's audit details that `rewrite` changes, marking it purged; its
    digest, and so the chain, is left as it was."""
    events = session.execute(
        select(AuditEvent.id, AuditEvent.detail).where(
            AuditEvent.occasion_id == occasion_id, AuditEvent.action.not_in(OWN_ACTIONS)
        )
    ).all()
    changed = 0
    for event_id, detail in events:
        new = rewrite(detail)
        if new != detail:
            session.execute(
                update(AuditEvent).where(AuditEvent.id == event_id).values(detail=new, purged_at=at)
            )
            changed += 1
    return changed


def _count(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)
