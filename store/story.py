"""One candidate's rows across examflow's store, gathered in bulk (one query per table for every
registration asked about), for `rules.story` to merge into a timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from models.story import (
    CandidateRows,
    StoryAppeal,
    StoryApproval,
    StoryArchiveEntry,
    StoryAttendance,
    StoryAuditEntry,
    StoryGrade,
    StoryJustification,
    StoryMark,
    StoryRegistration,
    StoryStudent,
    StoryTransfer,
)
from store.schema import (
    Appeal,
    Approval,
    ArchiveRecord,
    Attendance,
    AuditEvent,
    Committee,
    CommitteeCandidate,
    CommitteeMember,
    Grade,
    GraderMark,
    GraderNote,
    JustificationRecord,
    Mark,
    Occasion,
    OutboxMessage,
    Question,
    Registration,
    Staff,
    Student,
    TransferLedgerEntry,
)

# Approvals that decide a candidate's grade: the examiner's and graders', a rescore, a spreadsheet's
# grades, the transfer; those of one request carry its id (see `_approvals`).
GRADE_APPROVALS = ("grading", "rescore", "upload", "transfer")
OWN_GRADING = "grading-own-"


def registrations_by_code(session: Session, *, occasion_id: str, code: str) -> list[int]:
    query = select(Registration.id).where(
        Registration.occasion_id == occasion_id, Registration.anonymisation_code == code
    )
    return list(session.scalars(query))


def registrations_of_student(session: Session, *, student_uid: str) -> list[int]:
    query = select(Registration.id).where(Registration.student_uid == student_uid).order_by(Registration.id)
    return list(session.scalars(query))


def gather(session: Session, *, registration_ids: Sequence[int]) -> list[CandidateRows]:
    """Every row held of these registrations, in the order of their exams (the platform's left
    for the caller to add)."""
    heads = _registrations(session, registration_ids)
    if not heads:
        return []
    ids = list(heads)
    names = dict(session.execute(select(Staff.id, Staff.name)).tuples().all())
    students, attendance = _students(session, ids), _attendance(session, ids)
    marks, grades, transfers = _marks(session, ids, names), _grades(session, ids), _transfers(session, ids)
    justifications, appeals = _justifications(session, ids), _appeals(session, ids, names)
    approvals = _approvals(session, heads, appeals, names)
    archive = _archive(session, sorted({h.occasion_id for h in heads.values()}))
    audit, notes = _audit(session, heads, appeals, names), _counts(session, GraderNote.registration_id, ids)
    mails = _mails(session, ids)
    return [
        CandidateRows(
            registration=head,
            student=students[rid],
            attendance=attendance.get(rid),
            marks=tuple(marks.get(rid, ())),
            grade=grades.get(rid),
            approvals=tuple(approvals.get(rid, ())),
            transfers=tuple(transfers.get(rid, ())),
            justification=justifications.get(rid),
            appeal=appeals[rid][0] if rid in appeals else None,
            archive=tuple(e for e in archive.get(head.occasion_id, ()) if _concerns(e.filename, head)),
            audit=tuple(audit.get(rid, ())),
            notes=notes.get(rid, 0),
            mails=mails.get(rid, 0),
        )
        for rid, head in heads.items()
    ]


def _registrations(session: Session, ids: Sequence[int]) -> dict[int, StoryRegistration]:
    query = (
        select(Registration, Occasion)
        .join(Occasion, Occasion.id == Registration.occasion_id)
        .where(Registration.id.in_(ids))
        .order_by(Occasion.starts_at, Registration.id)
    )
    return {
        r.id: StoryRegistration(
            registration_id=r.id,
            occasion_id=o.id,
            occasion_name=o.name,
            country=o.country,
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            platform_test_id=o.platform_test_id,
            student_uid=r.student_uid,
            code=r.anonymisation_code,
            status=r.status,
            extra_time_minutes=r.extra_time_minutes,
            updated_at=r.updated_at,
        )
        for r, o in session.execute(query).tuples()
    }


def _students(session: Session, ids: Sequence[int]) -> dict[int, StoryStudent]:
    query = (
        select(Registration.id, Student)
        .join(Student, Student.uid == Registration.student_uid)
        .where(Registration.id.in_(ids))
    )
    return {
        rid: StoryStudent(
            uid=s.uid,
            name=f"{s.first_name} {s.last_name}",
            has_national_id=bool(s.national_id),
            has_email=bool(s.email),
        )
        for rid, s in session.execute(query).tuples()
    }


def _attendance(session: Session, ids: Sequence[int]) -> dict[int, StoryAttendance]:
    query = select(Attendance).where(Attendance.registration_id.in_(ids))
    return {
        a.registration_id: StoryAttendance(
            status=a.status,
            started_at=a.started_at,
            ended_at=a.ended_at,
            extra_time_minutes=a.extra_time_minutes,
        )
        for a in session.scalars(query)
    }


def _marks(session: Session, ids: Sequence[int], names: dict[str, str]) -> dict[int, list[StoryMark]]:
    by_grader: dict[tuple[int, str], list[tuple[str, float]]] = defaultdict(list)
    graded = select(GraderMark).where(GraderMark.registration_id.in_(ids)).order_by(GraderMark.staff_id)
    for g in session.scalars(graded):
        by_grader[g.registration_id, g.question_id].append((names.get(g.staff_id, g.staff_id), g.score))
    query = (
        select(Mark, Question)
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.registration_id.in_(ids))
        .order_by(Question.number)
    )
    marks: dict[int, list[StoryMark]] = defaultdict(list)
    for m, q in session.execute(query).tuples():
        graders = tuple(by_grader.get((m.registration_id, m.question_id), ()))
        marks[m.registration_id].append(
            StoryMark(question=q.number, score=m.score, max_score=q.max_score, graders=graders)
        )
    return marks


def _grades(session: Session, ids: Sequence[int]) -> dict[int, StoryGrade]:
    query = select(Grade).where(Grade.registration_id.in_(ids))
    return {
        g.registration_id: StoryGrade(
            grade=g.grade, points=g.points, status=g.status, source=g.source, updated_at=g.updated_at
        )
        for g in session.scalars(query)
    }


def _transfers(session: Session, ids: Sequence[int]) -> dict[int, list[StoryTransfer]]:
    query = (
        select(TransferLedgerEntry)
        .where(TransferLedgerEntry.registration_id.in_(ids))
        .order_by(TransferLedgerEntry.created_at, TransferLedgerEntry.id)
    )
    rows: dict[int, list[StoryTransfer]] = defaultdict(list)
    for t in session.scalars(query):
        rows[t.registration_id].append(
            StoryTransfer(
                grade=t.grade,
                status=t.status,
                created_at=t.created_at,
                updated_at=t.updated_at,
                register_result_uid=t.register_result_uid,
                error=t.error,
            )
        )
    return rows


def _justifications(session: Session, ids: Sequence[int]) -> dict[int, StoryJustification]:
    query = select(JustificationRecord).where(JustificationRecord.registration_id.in_(ids))
    return {
        j.registration_id: StoryJustification(
            requested_on=j.requested_on, due_on=j.due_on, given_on=j.given_on, given_by=j.given_by
        )
        for j in session.scalars(query)
    }


def _appeals(
    session: Session, ids: Sequence[int], names: dict[str, str]
) -> dict[int, tuple[StoryAppeal, int]]:
    """Each appeal with its committees (named `appeal-<id>` and `further-<id>` by the appeal flow)."""
    found = list(session.scalars(select(Appeal).where(Appeal.registration_id.in_(ids))))
    wanted = {f"{stage}-{a.id}": a for a in found for stage in ("appeal", "further")}
    members: dict[str, list[str]] = defaultdict(list)
    query = (
        select(Committee.name, CommitteeMember.staff_id)
        .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
        .where(Committee.kind == "appeal", Committee.name.in_(list(wanted)))
        .order_by(Committee.name, CommitteeMember.staff_id)
    )
    for name, staff_id in session.execute(query).tuples():
        members[name].append(names.get(staff_id, staff_id))
    return {
        a.registration_id: (
            StoryAppeal(
                received_on=a.received_on,
                status=a.status,
                original_grade=a.original_grade,
                new_grade=a.new_grade,
                decided_at=a.decided_at,
                committees=tuple(
                    (stage, tuple(members[f"{stage}-{a.id}"]))
                    for stage in ("appeal", "further")
                    if members.get(f"{stage}-{a.id}")
                ),
            ),
            a.id,
        )
        for a in found
    }


def _request_kinds(appeal_id: int | None, justification_id: int | None) -> set[str]:
    """The approval kinds of this candidate's own appeal and justification (their flows key them
    so; a regrade's carries the registration id)."""
    own = {f"justification-{justification_id}"} if justification_id is not None else set()
    if appeal_id is not None:
        own |= {f"appeal-{appeal_id}", f"further-assessment-{appeal_id}"}
    return own


def _approvals(
    session: Session,
    heads: dict[int, StoryRegistration],
    appeals: dict[int, tuple[StoryAppeal, int]],
    names: dict[str, str],
) -> dict[int, list[StoryApproval]]:
    occasions = {h.occasion_id for h in heads.values()}
    query = (
        select(Approval)
        .where(Approval.occasion_id.in_(occasions), Approval.decided_at.is_not(None))
        .order_by(Approval.decided_at, Approval.id)
    )
    decided = list(session.scalars(query))
    justified, graders = _justification_ids(session, list(heads)), _graders(session, list(heads))
    rows: dict[int, list[StoryApproval]] = defaultdict(list)
    for rid, head in heads.items():
        appeal = appeals.get(rid)
        own = _request_kinds(appeal[1] if appeal else None, justified.get(rid))
        for a in decided:
            if a.occasion_id != head.occasion_id or _other_graders(a.kind, graders.get(rid)):
                continue
            if (
                a.kind.split("-")[0] in GRADE_APPROVALS
                or a.kind in own
                or a.kind.startswith(f"regrade-{rid}-")
            ):
                rows[rid].append(_approval(a, names))
    return rows


def _other_graders(kind: str, graders: set[str] | None) -> bool:
    """A grader's approval of their own grading (`grading-own-<staff id>`) concerns only the
    candidates of their committee."""
    return graders is not None and kind.startswith(OWN_GRADING) and kind[len(OWN_GRADING) :] not in graders


def _graders(session: Session, ids: Sequence[int]) -> dict[int, set[str]]:
    """The members of each candidate's grading committees (none where they have no committee)."""
    query = (
        select(CommitteeCandidate.registration_id, CommitteeMember.staff_id)
        .join(Committee, Committee.id == CommitteeCandidate.committee_id)
        .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
        .where(CommitteeCandidate.registration_id.in_(ids), Committee.kind == "grading")
    )
    members: dict[int, set[str]] = defaultdict(set)
    for rid, staff_id in session.execute(query).tuples():
        members[rid].add(staff_id)
    return members


def _approval(a: Approval, names: dict[str, str]) -> StoryApproval:
    assert a.decided_at is not None  # selected so
    by = a.decided_by or ""
    return StoryApproval(
        title=a.title or a.kind,
        decided_by=names.get(by, by),
        decision=a.decision or "",
        decided_at=a.decided_at,
    )


def _justification_ids(session: Session, ids: Sequence[int]) -> dict[int, int]:
    query = select(JustificationRecord.registration_id, JustificationRecord.id).where(
        JustificationRecord.registration_id.in_(ids)
    )
    return dict(session.execute(query).tuples().all())


def _archive(session: Session, occasions: Sequence[str]) -> dict[str, list[StoryArchiveEntry]]:
    query = (
        select(ArchiveRecord)
        .where(ArchiveRecord.occasion_id.in_(occasions))
        .order_by(ArchiveRecord.archived_at, ArchiveRecord.id)
    )
    rows: dict[str, list[StoryArchiveEntry]] = defaultdict(list)
    for r in session.scalars(query):
        rows[r.occasion_id].append(
            StoryArchiveEntry(
                kind=r.kind,
                filename=r.filename,
                case_id=r.case_id,
                sha256=r.sha256,
                archived_at=r.archived_at,
            )
        )
    return rows


def _concerns(filename: str, head: StoryRegistration) -> bool:
    """The exam's protocol names every candidate; a paper, justification or appeal decision is
    filed under its candidate's code."""
    return filename.startswith("protocol-") or f"-{head.code}." in filename


def _audit(
    session: Session,
    heads: dict[int, StoryRegistration],
    appeals: dict[int, tuple[StoryAppeal, int]],
    names: dict[str, str],
) -> dict[int, list[StoryAuditEntry]]:
    """The events of the candidate's exams whose detail names them: by code, by student, by their
    registration or by their appeal."""
    occasions = {h.occasion_id for h in heads.values()}
    query = select(AuditEvent).where(AuditEvent.occasion_id.in_(occasions)).order_by(AuditEvent.seq)
    events = list(session.scalars(query))
    rows: dict[int, list[StoryAuditEntry]] = defaultdict(list)
    for rid, head in heads.items():
        appeal = appeals.get(rid)
        marks: set[str | int] = {head.code, head.student_uid, rid}
        for e in events:
            if e.occasion_id == head.occasion_id and _names(e.detail, marks, appeal[1] if appeal else None):
                rows[rid].append(
                    StoryAuditEntry(
                        at=e.at,
                        actor=names.get(e.actor, e.actor),
                        action=e.action,
                        seq=e.seq,
                        detail=e.detail,
                    )
                )
    return rows


CANDIDATE_KEYS = ("candidate", "code", "anonymisation_code", "student_uid", "registration_id")


def _names(detail: dict[str, Any], marks: set[str | int], appeal_id: int | None) -> bool:
    named = (detail.get(key) for key in CANDIDATE_KEYS)
    return any(isinstance(v, str | int) and v in marks for v in named) or (
        appeal_id is not None and detail.get("appeal_id") == appeal_id
    )


def _counts(session: Session, column: Any, ids: Sequence[int]) -> dict[int, int]:
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return dict(session.execute(query).tuples().all())


def _mails(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Mails to the student behind each registration, at the address `store.outbox.to_student` used."""
    query = (
        select(Registration.id, func.count(OutboxMessage.id))
        .join(Student, Student.uid == Registration.student_uid)
        .join(
            OutboxMessage,
            (OutboxMessage.recipient == Student.email)
            | (OutboxMessage.recipient == literal("student:").concat(Student.uid)),
        )
        .where(Registration.id.in_(ids))
        .group_by(Registration.id)
    )
    return dict(session.execute(query).tuples().all())
