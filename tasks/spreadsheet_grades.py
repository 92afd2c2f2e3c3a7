"""Grades for an exam held outside the platform (oral, paper, portfolio), from a grader's spreadsheet
in examflow's uploads folder: checked whole, then written as proposed grades in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from prefect import task
from sqlalchemy.orm import Session

from formats.grade_sheet import GradeSheet, SheetRow, read_grades
from formats.upload import LIMITS
from models.domain import Frozen, Role
from models.settings import get_settings
from rules.grades import Scale
from store import audit, grading, occasions, registrations, staff
from store import notes as grader_notes
from store import spreadsheet_grades as sheets
from store.db import transaction
from tasks.retries import REPLAY_SAFE

UPLOAD_ROLES = (Role.GRADER, Role.EXAMINER)


class UploadRefused(Exception):
    """The upload may not be taken as asked; the message says why."""


class UploadedRow(Frozen):
    code: str
    grade: str
    points: float | None
    change: Literal["changed", "unchanged", "left alone"]


class UploadSummary(Frozen):
    occasion_id: str
    filename: str
    sha256: str
    changed: int
    unchanged: int
    left_alone: int
    notes_added: int
    rows: list[UploadedRow]


def upload_path(filename: str) -> Path:
    """The file in `<EXAMFLOW_HOME>/uploads`; a name reaching anywhere else is refused."""
    folder = (get_settings().home / "uploads").resolve()
    path = (folder / filename).resolve()
    if Path(filename).name != filename or path.parent != folder:
        raise UploadRefused(f"{filename!r} is not a file name in the uploads folder {folder}")
    if not path.is_file():
        raise UploadRefused(f"no file {filename!r} in the uploads folder {folder}")
    return path


def _read_upload(filename: str) -> bytes:
    with upload_path(filename).open("rb") as file:
        return file.read(LIMITS.max_bytes + 1)  # one byte more, so the sheet's size check refuses it


def _check_uploader(session: Session, *, occasion_id: str, staff_id: str) -> None:
    if not any(
        staff.holds_role(session, staff_id=staff_id, role=role, occasion_id=occasion_id)
        for role in UPLOAD_ROLES
    ):
        raise UploadRefused(f"{staff_id!r} holds neither the grader nor the examiner role for {occasion_id}")


def grade_row(
    row: SheetRow, *, registration_id: int, occasion_id: str, exam_date: date, max_points: float | None
) -> dict[str, Any]:
    """The proposed grade a sheet row writes; the percent only where both points and a maximum exist."""
    percent = None
    if row.points is not None and max_points:
        percent = round(row.points / max_points * 100, 2)
    return dict(
        registration_id=registration_id,
        occasion_id=occasion_id,
        grade=row.grade,
        points=row.points,
        percent=percent,
        status="proposed",
        exam_date=exam_date,
    )


def is_unchanged(new: dict[str, Any], held: dict[str, Any] | None) -> bool:
    """Whether the grade held is exactly what the sheet would write (so writing it changes nothing)."""
    fields = ("grade", "points", "percent", "status", "exam_date")
    return held is not None and held["source"] == "spreadsheet" and all(new[f] == held[f] for f in fields)


def _summary_rows(
    sheet: GradeSheet, changed: set[str], held: dict[int, dict[str, Any]], codes: dict[str, int]
) -> list[UploadedRow]:
    rows = [
        UploadedRow(
            code=r.code,
            grade=r.grade,
            points=r.points,
            change="changed" if r.code in changed else "unchanged",
        )
        for r in sheet.rows
    ]
    for code in sheet.left_alone:
        before = held.get(codes[code], {})
        rows.append(
            UploadedRow(
                code=code, grade=before.get("grade") or "", points=before.get("points"), change="left alone"
            )
        )
    return sorted(rows, key=lambda r: r.code)


def _add_notes(
    session: Session, sheet: GradeSheet, codes: dict[str, int], *, occasion_id: str, staff_id: str
) -> int:
    """The sheet's comments as the uploader's private notes; returns how many were new (a note
    uploaded before is not added again)."""
    return grader_notes.add(
        session,
        occasion_id=occasion_id,
        staff_id=staff_id,
        given=[grader_notes.NoteIn(codes[r.code], r.comment) for r in sheet.rows if r.comment is not None],
    )


@dataclass(frozen=True)
class _Plan:
    """What a sheet would write: its grades by code, those that change, and its audit counts."""

    sheet: GradeSheet
    codes: dict[str, int]
    held: dict[int, dict[str, Any]]
    new: dict[str, dict[str, Any]]
    changed: dict[str, dict[str, Any]]

    def counts(self) -> dict[str, int]:
        unchanged = len(self.new) - len(self.changed)
        return dict(changed=len(self.changed), unchanged=unchanged, left_alone=len(self.sheet.left_alone))


def _plan(session: Session, content: bytes, *, occasion_id: str, filename: str, uploaded_by: str) -> _Plan:
    """Checks the uploader and the whole sheet, and works out what it would change; writes nothing."""
    occasion = occasions.get(session, occasion_id)
    _check_uploader(session, occasion_id=occasion_id, staff_id=uploaded_by)
    if approved := grading.count_approved(session, occasion_id=occasion_id):
        raise UploadRefused(
            f"{approved} grades of {occasion_id} are approved already; a sheet may no longer replace them"
        )
    codes = {r.anonymisation_code: r.id for r in registrations.registered(session, occasion_id=occasion_id)}
    top = sheets.max_points(session, occasion_id=occasion_id)
    sheet = read_grades(content, filename, scale=Scale(occasion.scale), codes=set(codes), max_points=top)
    held = sheets.held_grades(session, occasion_id=occasion_id)
    exam_date = occasion.ends_at.date()
    new = {
        r.code: grade_row(
            r, registration_id=codes[r.code], occasion_id=occasion_id, exam_date=exam_date, max_points=top
        )
        for r in sheet.rows
    }
    changed = {c: g for c, g in new.items() if not is_unchanged(g, held.get(g["registration_id"]))}
    return _Plan(sheet, codes, held, new, changed)


def _summary(plan: _Plan, *, occasion_id: str, filename: str, sha256: str, notes_added: int) -> UploadSummary:
    return UploadSummary(
        occasion_id=occasion_id,
        filename=filename,
        sha256=sha256,
        notes_added=notes_added,
        rows=_summary_rows(plan.sheet, set(plan.changed), plan.held, plan.codes),
        **plan.counts(),
    )


@task(name="preview-upload", **REPLAY_SAFE)
def preview_upload(occasion_id: str, filename: str, uploaded_by: str) -> UploadSummary:
    """What the sheet would change, checked whole, for its uploader to confirm; writes nothing.
    `notes_added` counts the sheet's comments. Refused for someone who is not a grader or examiner
    of the exam, and once its grades are approved."""
    content = _read_upload(filename)
    with transaction() as session:
        plan = _plan(session, content, occasion_id=occasion_id, filename=filename, uploaded_by=uploaded_by)
    comments = sum(r.comment is not None for r in plan.sheet.rows)
    digest = hashlib.sha256(content).hexdigest()
    return _summary(plan, occasion_id=occasion_id, filename=filename, sha256=digest, notes_added=comments)


@task(name="upload-role", **REPLAY_SAFE)
def upload_role(occasion_id: str, staff_id: str) -> Role:
    """The role under which the uploader confirms: grader, else examiner."""
    with transaction() as session:
        _check_uploader(session, occasion_id=occasion_id, staff_id=staff_id)
        return next(
            role
            for role in UPLOAD_ROLES
            if staff.holds_role(session, staff_id=staff_id, role=role, occasion_id=occasion_id)
        )


@task(name="upload-grades", **REPLAY_SAFE)
def upload_grades(
    occasion_id: str, filename: str, uploaded_by: str, *, confirmed_sha256: str, confirmed_by: str
) -> UploadSummary:
    """Writes the sheet its uploader confirmed (`confirmed_by`, who gave the one-time code): its grades as proposed grades and its comments as the
    uploader's private notes, all or nothing. Refused when the file is no longer the one confirmed
    (its SHA-256 differs) and for anything the preview refuses; a sheet with any error writes nothing."""
    content = _read_upload(filename)
    digest = hashlib.sha256(content).hexdigest()
    if digest != confirmed_sha256:
        raise UploadRefused(
            f"{filename!r} changed after it was confirmed (SHA-256 {digest[:12]}…, confirmed "
            f"{confirmed_sha256[:12]}…): nothing was written; start the upload again"
        )
    with transaction() as session:
        plan = _plan(session, content, occasion_id=occasion_id, filename=filename, uploaded_by=uploaded_by)
        grading.save_grades(session, pd.DataFrame(list(plan.changed.values())), source="spreadsheet")
        added = _add_notes(session, plan.sheet, plan.codes, occasion_id=occasion_id, staff_id=uploaded_by)
        audit.record(
            session,
            actor=uploaded_by,
            action="grades.uploaded",
            occasion_id=occasion_id,
            detail={
                "filename": filename,
                "sha256": digest,
                "notes_added": added,
                "confirmed_by": confirmed_by,
                **plan.counts(),
            },
        )
    return _summary(plan, occasion_id=occasion_id, filename=filename, sha256=digest, notes_added=added)
