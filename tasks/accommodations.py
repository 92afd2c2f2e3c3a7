"""Decisions on support at exams from the coordinator: the support office's export (a file in the
uploads folder) or a form's rows. Checked whole, the students looked up in the register, then
stored in one transaction; nothing is written when anything is wrong."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from prefect import task

from formats.accommodations import read_table
from formats.upload import LIMITS
from models.domain import Frozen, Role
from models.params import AccommodationEntry, Accommodations
from rules.accommodations import Decision, Table, identities, read_decisions
from rules.exam_times import local_day
from store import accommodations as support
from store import audit, staff
from store.db import transaction
from tasks.clock import now
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.spreadsheet_grades import upload_path
from tasks.systems import systems


class AccommodationsRefused(Exception):
    """The decisions may not be taken as asked; the message says why."""


class ImportedDecision(Frozen):
    row: int
    student_uid: str
    decision: str
    extra_time_minutes: int
    separate_room: bool
    equipment: str
    valid_from: date
    valid_to: date


class ImportSummary(Frozen):
    source: str
    granted: int
    refused: int
    students: int
    replaced: int
    rows: list[ImportedDecision]


@task(name="import-accommodations", **OUTSIDE_RETRIES)
def import_accommodations(params: Accommodations) -> ImportSummary:
    """Reads, checks and stores the decisions; `SheetRefused` names every bad row and column."""
    _check_coordinator(params.entered_by)
    if bool(params.filename) == bool(params.decisions):
        raise AccommodationsRefused("give either a file or decisions entered by hand (one of them)")
    source, table, digest = _table(params)
    today = local_day(now())
    national_ids, uids = identities(table, today)
    with systems().register() as register:
        students = register.find_students(national_ids=national_ids, uids=uids)
    decisions = read_decisions(table, students=students, today=today)
    with transaction() as session:
        replaced = support.replace(
            session, [_values(d) for d in decisions], source=source, entered_by=params.entered_by
        )
        audit.record(
            session,
            actor=params.entered_by,
            action="accommodations.imported",
            occasion_id=None,
            detail={"source": source, "sha256": digest, "decisions": len(decisions), "replaced": replaced},
        )
    run_logger().info(
        f"Imported {len(decisions)} support decisions from {source} "
        f"({sum(d.granted for d in decisions)} granted, {replaced} replaced)"
    )
    return ImportSummary(
        source=source,
        granted=sum(d.granted for d in decisions),
        refused=sum(not d.granted for d in decisions),
        students=len({d.student_uid for d in decisions}),
        replaced=replaced,
        rows=[_shown(d) for d in decisions],
    )


def _check_coordinator(staff_id: str) -> None:
    with transaction() as session:
        if not staff.holds_role(session, staff_id=staff_id, role=Role.COORDINATOR, occasion_id=""):
            raise AccommodationsRefused(
                f"{staff_id!r} is not a coordinator: only coordinators enter accommodations"
            )


def _table(params: Accommodations) -> tuple[str, Table, str]:
    """The rows to check, where they came from and the file's SHA-256 ('' for a form)."""
    if params.filename:
        with upload_path(params.filename).open("rb") as file:
            content = file.read(LIMITS.max_bytes + 1)
        return params.filename, read_table(content, params.filename), hashlib.sha256(content).hexdigest()
    return "form", form_table(params.decisions), ""


def form_table(entries: list[AccommodationEntry]) -> Table:
    """A form's decisions as the rows of a file, so that one check serves both."""
    rows = [
        (
            number,
            {
                "student_uid": e.student_uid,
                "decision": e.decision,
                "extra_minutes": str(e.extra_time_minutes),
                "separate_room": "yes" if e.separate_room else "no",
                "equipment": e.equipment,
                "valid_from": e.valid_from.isoformat(),
                "valid_to": e.valid_to.isoformat(),
            },
        )
        for number, e in enumerate(entries, start=1)
    ]
    return Table(rows, {"extra_minutes": "extra_time_minutes"})


def _values(d: Decision) -> dict[str, Any]:
    return {name: getattr(d, name) for name in support.FIELDS}


def _shown(d: Decision) -> ImportedDecision:
    return ImportedDecision(
        row=d.row,
        student_uid=d.student_uid,
        decision="granted" if d.granted else "refused",
        extra_time_minutes=d.extra_time_minutes,
        separate_room=d.separate_room,
        equipment=d.equipment,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
    )
