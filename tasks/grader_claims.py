"""Graders' claims for pay: a timesheet checked whole against what the grader did on the exam and
priced at the country's rate, then approved, exported to the HR system's import file and settled.
A refused timesheet names every wrong line and writes nothing."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from prefect import task
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from formats import hr_files
from models.claims import ClaimKind, ClaimLine, GraderClaims
from models.domain import Frozen, Role
from models.settings import get_settings
from rules import grader_pay as pay
from rules.exam_times import local_day
from store import audit, staff
from store import grader_claims as claims
from store.db import transaction
from store.schema import GraderClaimLine, GraderTimesheet, Occasion, Staff
from tasks.clock import now
from tasks.retries import REPLAY_SAFE

HUNDRED = Decimal(100)
CLAIMANT_ROLES = (Role.GRADER, Role.APPEAL_GRADER, Role.EXAMINER)
QUESTIONS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


class ClaimsRefused(Exception):
    """The timesheet may not be taken as claimed; the message names what is wrong."""


class ClaimRow(Frozen):
    number: int
    kind: ClaimKind
    reference: str
    worked_on: date
    hours: Decimal
    amount: Decimal


class PricedClaims(Frozen):
    """A timesheet checked and priced, before it is stored: what its grader confirms."""

    occasion_id: str
    exam: str
    grader_id: str
    grader_name: str
    role: Role  # under which the grader confirms it
    country: str
    hr_system: str  # as a person reads it: Paga, Primula
    currency: str
    per_hour: Decimal
    hours: Decimal
    top_up_hours: Decimal
    total: Decimal
    lines: list[ClaimRow]


class Timesheet(PricedClaims):
    timesheet_id: int


class Export(Frozen):
    path: str
    sha256: str
    rows: int


@task(name="preview-claims", **REPLAY_SAFE)
def preview_claims(params: GraderClaims) -> PricedClaims:
    """Checks the timesheet whole and prices it; writes nothing."""
    with transaction() as session:
        return _priced(session, params, local_day(now()))


@task(name="submit-claims", **REPLAY_SAFE)
def submit_claims(params: GraderClaims, *, confirmed_total: Decimal) -> Timesheet:
    """Checks and prices the timesheet again and stores it as submitted, once per run; refused when
    it no longer comes to the total its grader confirmed."""
    with transaction() as session:
        priced = _priced(session, params, local_day(now()))
        if priced.total != confirmed_total:
            raise ClaimsRefused(
                f"grader claims of {priced.grader_id} on {priced.occasion_id} refused: they now come to "
                f"{priced.total} {priced.currency}, not the {confirmed_total} confirmed; claim again"
            )
        sheet, new = claims.submit(
            session,
            key=str(flow_run.id),
            occasion_id=priced.occasion_id,
            staff_id=priced.grader_id,
            hr_system=hr_files.layout_for(priced.country).system,
            currency=priced.currency,
            rate_cents=_cents(priced.per_hour),
            top_up_hundredths=_hundredths(priced.top_up_hours),
            amount_cents=_cents(priced.total),
            lines=[
                claims.NewLine(
                    r.number, r.kind.value, r.reference, r.worked_on, _hundredths(r.hours), _cents(r.amount)
                )
                for r in priced.lines
            ],
            at=now(),
        )
        if new:
            _audit(
                session,
                sheet,
                actor=priced.grader_id,
                action="claims.submitted",
                lines=str(len(priced.lines)),
                hours=str(priced.hours),
                amount=f"{priced.total} {priced.currency}",
            )
        return Timesheet(**priced.model_dump(), timesheet_id=sheet.id)


def _priced(session: Session, params: GraderClaims, today: date) -> PricedClaims:
    occasion, grader = _exam_and_grader(session, params)
    work = claims.work_of(session, occasion_id=occasion.id, staff_id=grader.id)
    if not work.graded:
        raise ClaimsRefused(f"grader claims refused: {grader.id} did not grade exam {occasion.id}")
    role = _claimant_role(session, grader.id, occasion.id)
    problems = _problems(params.lines, work, grader.id, today)
    if problems:
        raise ClaimsRefused(f"grader claims of {grader.id} on {occasion.id} refused: " + "; ".join(problems))
    rate = _rate(occasion.country)
    priced = pay.price([line.hours for line in params.lines], rate)
    rows = [
        ClaimRow(
            number=number,
            kind=line.kind,
            reference=line.reference.strip(),
            worked_on=line.worked_on or today,
            hours=line.hours,
            amount=amount,
        )
        for number, (line, amount) in enumerate(zip(params.lines, priced.lines, strict=True), start=1)
    ]
    return PricedClaims(
        occasion_id=occasion.id,
        exam=occasion.name,
        grader_id=grader.id,
        grader_name=grader.name,
        role=role,
        country=occasion.country,
        hr_system=hr_files.layout_for(occasion.country).title,
        currency=rate.currency,
        per_hour=rate.per_hour,
        hours=priced.hours,
        top_up_hours=priced.top_up_hours,
        total=priced.total,
        lines=rows,
    )


def _claimant_role(session: Session, grader_id: str, occasion_id: str) -> Role:
    """The role under which the grader confirms their timesheet."""
    for role in CLAIMANT_ROLES:
        if staff.holds_role(session, staff_id=grader_id, role=role, occasion_id=occasion_id):
            return role
    raise ClaimsRefused(
        f"grader claims refused: {grader_id} holds no grader, appeal grader or examiner role for {occasion_id}"
    )


def _exam_and_grader(session: Session, params: GraderClaims) -> tuple[Occasion, Staff]:
    occasion = session.get(Occasion, params.occasion_uid)
    grader = session.get(Staff, params.grader_id)
    if occasion is None:
        raise ClaimsRefused(f"grader claims refused: exam {params.occasion_uid} is not planned in examflow")
    if grader is None:
        raise ClaimsRefused(
            f"grader claims refused: {params.grader_id} is not a known grader (no such staff id)"
        )
    if occasion.country not in hr_files.LAYOUTS:
        raise ClaimsRefused(f"grader claims refused: no HR system for exams in {occasion.country}")
    return occasion, grader


def _rate(country: str) -> pay.Rate:
    settings = get_settings()
    per_hour = settings.grader_rates.get(country)
    if per_hour is None:
        raise ClaimsRefused(f"grader claims refused: EXAMFLOW_GRADER_RATES names no rate for {country}")
    return pay.Rate(country, per_hour, settings.grader_minimum_hours)


def _problems(lines: list[ClaimLine], work: claims.GraderWork, grader_id: str, today: date) -> list[str]:
    """Every wrong line, by number: its hours, its day, its reference, a line repeated."""
    found = pay.problems(
        [pay.ClaimedHours(n, _label(line), line.hours) for n, line in enumerate(lines, start=1)]
    )
    seen: dict[tuple[ClaimKind, str], int] = {}
    for number, line in enumerate(lines, start=1):
        where = f"line {number} ({_label(line)})"
        if problem := _reference_problem(line, work, grader_id):
            found.append(f"{where}: {problem}")
        if line.worked_on is not None and line.worked_on > today:
            found.append(f"{where}: worked_on {line.worked_on} is after today")
        first = seen.setdefault((line.kind, line.reference.strip()), number)
        if first != number:
            found.append(f"{where}: repeats line {first}")
    return found


def _reference_problem(line: ClaimLine, work: claims.GraderWork, grader_id: str) -> str:
    reference = line.reference.strip()
    if line.kind == ClaimKind.QUESTION_SET:
        return _questions_problem(reference, work.questions)
    held = {
        ClaimKind.CANDIDATE: (work.candidates, f"is not a candidate of {grader_id}'s grading committees"),
        ClaimKind.APPEAL: (work.appeals, f"is no appeal that {grader_id} graded"),
        ClaimKind.JUSTIFICATION: (
            work.justifications,
            f"has no justification that {grader_id} may claim for",
        ),
    }
    codes, why = held[line.kind]
    return "" if reference in codes else f"reference: {reference} {why}"


def _questions_problem(reference: str, questions: frozenset[int]) -> str:
    match = QUESTIONS.match(reference)
    if match is None:
        return f"reference: {reference} is not a question number or range such as 1-4"
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if first > last:
        return f"reference: {reference} runs backwards"
    missing = [n for n in range(first, last + 1) if n not in questions]
    return f"reference: question {missing[0]} is not on the exam" if missing else ""


def _label(line: ClaimLine) -> str:
    return f"{line.kind.value.replace('_', ' ')} {line.reference.strip()}"


@task(name="decide-timesheet", **REPLAY_SAFE)
def decide_timesheet(timesheet_id: int, *, approved: bool, by: str) -> str:
    """The administrator's decision; returns the timesheet's new status."""
    with transaction() as session:
        step = "approve" if approved else "reject"
        sheet, moved = claims.move(session, timesheet_id=timesheet_id, step=step, by=by, at=now())
        if moved:
            _audit(session, sheet, actor=by, action=f"claims.{sheet.status}")
        return sheet.status


@task(name="export-timesheet", **REPLAY_SAFE)
def export_timesheet(timesheet_id: int) -> Export:
    """Writes the approved timesheet as the HR system's import file, under `<EXAMFLOW_HOME>/hr/`."""
    with transaction() as session:
        sheet = session.get_one(GraderTimesheet, timesheet_id)
        occasion = session.get_one(Occasion, sheet.occasion_id)
        grader = session.get_one(Staff, sheet.staff_id)
        layout = hr_files.layout_for(occasion.country)
        rows = _file_rows(sheet, claims.lines_of(session, timesheet_id=timesheet_id), occasion, grader.name)
        content = hr_files.render(layout, rows)
        name = hr_files.file_name(layout, occasion_id=occasion.id, staff_id=grader.id, timesheet_id=sheet.id)
        path = _write(get_settings().home / "hr" / layout.system / name, content)
        sha256 = hashlib.sha256(content).hexdigest()
        if claims.record_export(session, timesheet_id=timesheet_id, path=str(path), sha256=sha256, at=now()):
            _audit(session, sheet, actor="examflow", action="claims.exported", file=name, sha256=sha256)
        return Export(path=str(path), sha256=sha256, rows=len(rows))


def _file_rows(
    sheet: GraderTimesheet, lines: list[GraderClaimLine], occasion: Occasion, name: str
) -> list[dict[str, object]]:
    rate = Decimal(sheet.rate_cents) / HUNDRED
    person = {"employee_id": sheet.staff_id, "name": name, "rate": rate}
    rows: list[dict[str, object]] = [
        {
            **person,
            "hours": Decimal(line.hundredths) / HUNDRED,
            "amount": Decimal(line.amount_cents) / HUNDRED,
            "day": line.worked_on,
            "text": f"{occasion.id} {occasion.name}: {line.kind.replace('_', ' ')} {line.reference}",
        }
        for line in lines
    ]
    if sheet.top_up_hundredths:
        top_up = Decimal(sheet.top_up_hundredths) / HUNDRED
        rows.append(
            {
                **person,
                "hours": top_up,
                "amount": pay.amount(top_up, rate),
                "day": max(line.worked_on for line in lines),
                "text": f"{occasion.id} {occasion.name}: minimum fee",
            }
        )
    return rows


def _write(path: Path, content: bytes) -> Path:
    """Whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


@task(name="settle-timesheet", **REPLAY_SAFE)
def settle_timesheet(timesheet_id: int, *, paid: bool, by: str) -> str:
    """HR's answer: paid, or returned unpaid; returns the timesheet's new status."""
    with transaction() as session:
        step = "pay" if paid else "return"
        sheet, moved = claims.move(session, timesheet_id=timesheet_id, step=step, by=by, at=now())
        if moved:
            _audit(session, sheet, actor=by, action=f"claims.{sheet.status}")
        return sheet.status


def _audit(session: Session, sheet: GraderTimesheet, *, actor: str, action: str, **more: str) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        occasion_id=sheet.occasion_id,
        detail={"timesheet": sheet.id, "grader": sheet.staff_id, **more},
    )


class TotalRow(Frozen):
    grader: str
    name: str
    exam: str
    status: str
    timesheets: int
    hours: Decimal
    amount: Decimal
    currency: str


@task(name="claim-totals", **REPLAY_SAFE)
def claim_totals(occasion_id: str, *, after: str) -> list[TotalRow]:
    """Per grader and status on the exam; `after` names the step, so that each read is its own
    (a read with the same inputs in the same run would come back from cache)."""
    with transaction() as session:
        return [
            TotalRow(
                grader=t.staff_id,
                name=t.name,
                exam=f"{t.occasion_id} {t.exam}",
                status=t.status,
                timesheets=t.timesheets,
                hours=Decimal(t.hundredths) / HUNDRED,
                amount=Decimal(t.amount_cents) / HUNDRED,
                currency=t.currency,
            )
            for t in claims.totals(session, occasion_id=occasion_id)
        ]


def _hundredths(hours: Decimal) -> int:
    return int(hours * HUNDRED)


def _cents(amount: Decimal) -> int:
    return int(amount * HUNDRED)
