"""Graders' timesheets and their lines, what a grader did on an exam (so what they may claim for),
and the totals per grader and exam."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import (
    Appeal,
    Approval,
    Committee,
    CommitteeCandidate,
    CommitteeMember,
    GraderClaimLine,
    GraderTimesheet,
    JustificationRecord,
    Occasion,
    Question,
    Registration,
    Staff,
)

# What each step expects the timesheet to be in, and what it leaves it in.
MOVES = {
    "approve": ("submitted", "approved"),
    "reject": ("submitted", "rejected"),
    "export": ("approved", "exported"),
    "pay": ("exported", "paid"),
    "return": ("exported", "returned"),
}


class TimesheetMoveRefused(Exception):
    """The timesheet is not in the state the step expects."""


@dataclass(frozen=True)
class NewLine:
    number: int
    kind: str
    reference: str
    worked_on: date
    hundredths: int
    amount_cents: int


@dataclass(frozen=True)
class GraderWork:
    """What a grader did on an exam, by anonymisation code and question number."""

    graded: bool  # sat on any committee of the exam, approved its grading or gave a justification
    candidates: frozenset[str]  # in their grading committees
    appeals: frozenset[str]  # appealed papers their appeal committees graded
    justifications: frozenset[str]  # requested justifications of their candidates' or their own
    questions: frozenset[int]  # the exam's question numbers


def work_of(session: Session, *, occasion_id: str, staff_id: str) -> GraderWork:
    committees = session.execute(
        select(Committee.id, Committee.name, Committee.kind)
        .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
        .where(Committee.occasion_id == occasion_id, CommitteeMember.staff_id == staff_id)
    ).all()
    grading_ids = [c.id for c in committees if c.kind == "grading"]
    candidates = set(
        session.scalars(
            select(Registration.anonymisation_code)
            .join(CommitteeCandidate, CommitteeCandidate.registration_id == Registration.id)
            .where(CommitteeCandidate.committee_id.in_(grading_ids))
        )
    )
    # an appeal committee is named "<stage>-<appeal id>" (tasks.appeal)
    appeal_ids = {
        int(c.name.rsplit("-", 1)[1]) for c in committees if c.kind == "appeal" and c.name[-1].isdigit()
    }
    appeals = set(
        session.scalars(
            select(Registration.anonymisation_code)
            .join(Appeal, Appeal.registration_id == Registration.id)
            .where(Appeal.id.in_(appeal_ids), Appeal.occasion_id == occasion_id)
        )
    )
    justified = session.execute(
        select(Registration.anonymisation_code, JustificationRecord.given_by)
        .join(JustificationRecord, JustificationRecord.registration_id == Registration.id)
        .where(JustificationRecord.occasion_id == occasion_id)
    ).all()
    justifications = {code for code, given_by in justified if given_by == staff_id or code in candidates}
    approved = session.scalar(
        select(func.count())
        .select_from(Approval)
        .where(
            Approval.occasion_id == occasion_id,
            Approval.kind == "grading",
            Approval.status == "approved",
            Approval.decided_by == staff_id,
        )
    )
    questions = session.scalars(select(Question.number).where(Question.occasion_id == occasion_id))
    return GraderWork(
        graded=bool(committees or approved or any(given_by == staff_id for _, given_by in justified)),
        candidates=frozenset(c for c in candidates if c),
        appeals=frozenset(c for c in appeals if c),
        justifications=frozenset(c for c in justifications if c),
        questions=frozenset(questions),
    )


def submit(
    session: Session,
    *,
    key: str,
    occasion_id: str,
    staff_id: str,
    hr_system: str,
    currency: str,
    rate_cents: int,
    top_up_hundredths: int,
    amount_cents: int,
    lines: Sequence[NewLine],
    at: datetime,
) -> tuple[GraderTimesheet, bool]:
    """Records the timesheet once per key; a replay returns the first. Says whether it was new."""
    existing = session.scalar(select(GraderTimesheet).where(GraderTimesheet.key == key))
    if existing is not None:
        return existing, False
    sheet = GraderTimesheet(
        key=key,
        occasion_id=occasion_id,
        staff_id=staff_id,
        hr_system=hr_system,
        currency=currency,
        rate_cents=rate_cents,
        hundredths=sum(line.hundredths for line in lines),
        top_up_hundredths=top_up_hundredths,
        amount_cents=amount_cents,
        status="submitted",
        submitted_at=at,
    )
    session.add(sheet)
    session.flush()
    session.add_all(GraderClaimLine(timesheet_id=sheet.id, **vars(line)) for line in lines)
    session.flush()
    return sheet, True


def move(
    session: Session, *, timesheet_id: int, step: str, by: str | None, at: datetime
) -> tuple[GraderTimesheet, bool]:
    """Moves the timesheet on by `step`; a step already taken is a no-op (a replay), any other
    state is refused. Says whether it moved."""
    sheet = session.get(GraderTimesheet, timesheet_id, with_for_update=True)
    if sheet is None:
        raise LookupError(f"no timesheet {timesheet_id}")
    before, after = MOVES[step]
    if sheet.status == after:
        return sheet, False
    if sheet.status != before:
        raise TimesheetMoveRefused(
            f"timesheet {timesheet_id} is {sheet.status}: only a {before} one can be {after}"
        )
    sheet.status = after
    if step in ("approve", "reject"):
        sheet.decided_by, sheet.decided_at = by, at
    elif step == "export":
        sheet.exported_at = at
    else:
        sheet.settled_by, sheet.settled_at = by, at
    session.flush()
    return sheet, True


def record_export(session: Session, *, timesheet_id: int, path: str, sha256: str, at: datetime) -> bool:
    """Marks the timesheet exported to the file; says whether it was not already."""
    sheet, moved = move(session, timesheet_id=timesheet_id, step="export", by=None, at=at)
    sheet.export_file, sheet.export_sha256 = path, sha256
    session.flush()
    return moved


def lines_of(session: Session, *, timesheet_id: int) -> list[GraderClaimLine]:
    query = select(GraderClaimLine).where(GraderClaimLine.timesheet_id == timesheet_id)
    return list(session.scalars(query.order_by(GraderClaimLine.number)))


@dataclass(frozen=True)
class Total:
    staff_id: str
    name: str
    occasion_id: str
    exam: str
    status: str
    timesheets: int
    hundredths: int  # paid hours: claimed and topped up
    amount_cents: int
    currency: str


def totals(session: Session, *, occasion_id: str) -> list[Total]:
    """Per grader and status on the exam: timesheets, paid hours and amount."""
    rows = session.execute(
        select(
            GraderTimesheet.staff_id,
            Staff.name,
            Occasion.id,
            Occasion.name,
            GraderTimesheet.status,
            func.count(),
            func.sum(GraderTimesheet.hundredths + GraderTimesheet.top_up_hundredths),
            func.sum(GraderTimesheet.amount_cents),
            GraderTimesheet.currency,
        )
        .join(Staff, Staff.id == GraderTimesheet.staff_id)
        .join(Occasion, Occasion.id == GraderTimesheet.occasion_id)
        .where(GraderTimesheet.occasion_id == occasion_id)
        .group_by(
            GraderTimesheet.staff_id,
            Staff.name,
            Occasion.id,
            Occasion.name,
            GraderTimesheet.status,
            GraderTimesheet.currency,
        )
        .order_by(GraderTimesheet.staff_id, GraderTimesheet.status)
    ).all()
    return [
        Total(
            staff_id=staff_id,
            name=name,
            occasion_id=occasion_id_,
            exam=exam,
            status=status,
            timesheets=int(count),
            hundredths=int(hundredths),
            amount_cents=int(cents),
            currency=currency,
        )
        for staff_id, name, occasion_id_, exam, status, count, hundredths, cents, currency in rows
    ]
