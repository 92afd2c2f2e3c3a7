"""spreadsheet-grades on an oral exam: planned and synced like any other, then graded from sheets a
grader drops in the uploads folder. The tests run in order, each upload building on the last."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from flows.grading import grading as grading_flow
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from flows.spreadsheet_grades import spreadsheet_grades
from models.domain import ExamType
from models.grading import GradingSettings
from models.params import GradeExam, PlanExam, SpreadsheetGrades, SyncRegistrations
from models.settings import get_settings
from rules.sheet_errors import SheetRefused
from store import audit
from store.db import transaction
from store.schema import Approval, Grade, GraderNote, Occasion, Registration
from tasks.reports import artifact_key
from tasks.spreadsheet_grades import UploadRefused
from tests.flows.conftest import World, approving

GRADER = "staff-grader-1"


@pytest.fixture(scope="module")
def occasion(world: World) -> str:
    """The last of the world's shared occasions, with three more students registered
    (it has three), planned as an oral exam and synced."""
    uid = world.occasions[-1]
    for n in range(1, 4):
        student = {
            "occasion_uid": uid,
            "student_uid": f"oral-{n}",
            "first_name": f"Oral{n}",
            "last_name": "Test",
        }
        httpx.post(f"{world.ladok_url}/_sim/registrations", json=student).raise_for_status()
    with approving(world.outbox, "staff-coordinator-1") as person:
        times = world.times_on_its_day(uid)
        plan_exam(
            PlanExam(occasion_uid=uid, times=times, code_prefix="ORAL", country="SE", exam_type=ExamType.ORAL)
        )
    assert person.errors == []
    registration_sync(SyncRegistrations(occasion_uids=[uid]))
    return uid


@pytest.fixture(scope="module")
def codes(occasion: str) -> list[str]:
    with transaction() as session:
        found = session.scalars(
            select(Registration.anonymisation_code)
            .where(Registration.occasion_id == occasion, Registration.status == "registered")
            .order_by(Registration.anonymisation_code)
        ).all()
    assert len(found) >= 5
    return list(found)


def put(world: World, name: str, rows: list[list[Any]]) -> str:
    """Writes a sheet into the uploads folder as the grader would, .csv or .xlsx by its name."""
    folder = world.home / "uploads"
    folder.mkdir(exist_ok=True)
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(folder / name)
    else:
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        (folder / name).write_text(out.getvalue(), encoding="utf-8")
    return name


def upload(occasion: str, filename: str, by: str = GRADER) -> dict[str, int]:
    """The upload, confirmed by its uploader with the one-time code mailed to them."""
    with approving(outbox(), by) as person:
        result = spreadsheet_grades(
            SpreadsheetGrades(occasion_uid=occasion, filename=filename, uploaded_by=by)
        )
    assert person.errors == []
    return result


def outbox() -> Path:
    return get_settings().outbox_dir


def held(occasion: str) -> dict[str, tuple[Any, ...]]:
    """Code → (grade, points, status, source, exam date, updated at) of every grade of the exam."""
    with transaction() as session:
        rows = session.execute(
            select(
                Registration.anonymisation_code,
                Grade.grade,
                Grade.points,
                Grade.status,
                Grade.source,
                Grade.exam_date,
                Grade.updated_at,
            )
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
        ).all()
    return {code: tuple(rest) for code, *rest in rows}


def notes(occasion: str) -> list[tuple[str, str, str, str]]:
    with transaction() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(
                    Registration.anonymisation_code, GraderNote.staff_id, GraderNote.purpose, GraderNote.text
                )
                .join(Registration, Registration.id == GraderNote.registration_id)
                .where(GraderNote.occasion_id == occasion)
                .order_by(GraderNote.id)
            ).all()
        ]


def uploads_logged(occasion: str) -> list[dict[str, Any]]:
    with transaction() as session:
        return [e.detail for e in audit.events(session, occasion_id=occasion, action="grades.uploaded")]


def test_a_valid_sheet_writes_proposed_grades_and_private_notes(
    world: World, occasion: str, codes: list[str]
):
    name = put(
        world,
        "oral.csv",
        [
            ["Kandidatnummer", "Karakter", "Poeng", "Kommentar"],
            [codes[0], "B", "12,5", "=clear answers; see the recording"],
            [codes[1], "A", "", ""],
            [codes[2], "F", "3", ""],
        ],
    )
    assert upload(occasion, name) == {"changed": 3, "unchanged": 0, "left_alone": 0, "notes_added": 1}
    with transaction() as session:
        end = session.get(Occasion, occasion).ends_at.date()
    grades = held(occasion)
    assert {c: g[:5] for c, g in grades.items()} == {
        codes[0]: ("B", 12.5, "proposed", "spreadsheet", end),
        codes[1]: ("A", None, "proposed", "spreadsheet", end),
        codes[2]: ("F", 3.0, "proposed", "spreadsheet", end),
    }
    assert notes(occasion) == [(codes[0], GRADER, "private", "=clear answers; see the recording")]
    assert uploads_logged(occasion)[-1] | {"sha256": ""} == {
        "filename": "oral.csv",
        "sha256": "",
        "confirmed_by": GRADER,
        "changed": 3,
        "unchanged": 0,
        "left_alone": 0,
        "notes_added": 1,
    }
    report = Artifact.get(artifact_key("spreadsheet-grades", occasion))
    assert report is not None and "3 changed, 0 unchanged, 0 left alone" in report.data
    assert f"| {codes[0]} | B | 12.5 | changed |" in report.data
    with transaction() as session:  # graders see codes, never names
        names = session.execute(
            select(Registration.student_uid).where(Registration.anonymisation_code.in_(codes[:3]))
        ).scalars()
        assert not any(uid in report.data for uid in names)


def test_the_same_file_twice_changes_nothing(occasion: str):
    before, notes_before = held(occasion), notes(occasion)
    assert upload(occasion, "oral.csv") == {"changed": 0, "unchanged": 3, "left_alone": 0, "notes_added": 0}
    assert held(occasion) == before  # not even the time of the last change
    assert notes(occasion) == notes_before
    report = Artifact.get(artifact_key("spreadsheet-grades", occasion))
    assert "0 changed, 3 unchanged" in report.data


def test_a_new_sheet_replaces_grades_and_an_empty_cell_leaves_one_alone(
    world: World, occasion: str, codes: list[str]
):
    before = held(occasion)
    name = put(
        world,
        "oral-2.xlsx",
        [
            ["code", "grade", "points"],
            [codes[0], "A", None],
            [codes[1], None, 9],
            [codes[2], "F", 3],
            [codes[3], "D", 7],
        ],
    )
    assert upload(occasion, name, by="staff-examiner-1") == {
        "changed": 2,
        "unchanged": 1,
        "left_alone": 1,
        "notes_added": 0,
    }
    after = held(occasion)
    assert after[codes[0]][:2] == ("A", None)  # replaced, its points with it
    assert after[codes[1]] == before[codes[1]]  # empty grade cell: left alone
    assert after[codes[2]] == before[codes[2]]  # the same grade: untouched
    assert after[codes[3]][:4] == ("D", 7.0, "proposed", "spreadsheet")
    report = Artifact.get(artifact_key("spreadsheet-grades", occasion))
    assert f"| {codes[1]} | A |  | left alone |" in report.data


def test_an_invalid_sheet_writes_nothing_and_names_every_error(world: World, occasion: str, codes: list[str]):
    before, notes_before, logged = held(occasion), notes(occasion), len(uploads_logged(occasion))
    name = put(
        world,
        "oral-bad.csv",
        [
            ["code", "grade", "points", "comment"],
            [codes[0], "C", "", "would be a note"],
            [codes[1], "b", "", ""],
            ["ORAL-9999-XYZ", "A", "", ""],
            [codes[4], "A", "-2", ""],
            [codes[0], "E", "", ""],
        ],
    )
    with pytest.raises(SheetRefused) as refused:
        upload(occasion, name)
    message = str(refused.value)
    assert "row 3, column grade: lower case 'b'" in message
    assert "row 4, column code: unknown code 'ORAL-9999-XYZ'" in message
    assert "row 5, column points: -2 points is outside 0 or more" in message
    assert f"row 6, column code: duplicate code '{codes[0]}': rows 2 and 6" in message
    assert len(refused.value.errors) == 4
    assert held(occasion) == before and notes(occasion) == notes_before
    assert len(uploads_logged(occasion)) == logged


@pytest.mark.parametrize(
    ("filename", "by", "reason"),
    [
        ("oral.csv", "staff-planner-1", "'staff-planner-1' holds neither the grader nor the examiner role"),
        ("../examflow.db", GRADER, "is not a file name in the uploads folder"),
        ("missing.csv", GRADER, "no file 'missing.csv' in the uploads folder"),
    ],
)
def test_an_upload_is_refused_for_the_wrong_person_or_file(
    occasion: str, filename: str, by: str, reason: str
):
    before = held(occasion)
    with pytest.raises(UploadRefused, match=reason):
        upload(occasion, filename, by=by)
    assert held(occasion) == before


def test_a_renamed_file_is_refused_before_parsing(world: World, occasion: str):
    (world.home / "uploads" / "scan.xlsx").write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(SheetRefused, match="the file is a PDF, not an .xlsx workbook"):
        upload(occasion, "scan.xlsx")


def test_an_upload_waits_for_its_uploaders_code_and_a_rejection_writes_nothing(
    world: World, occasion: str, codes: list[str]
):
    before, logged = held(occasion), len(uploads_logged(occasion))
    name = put(world, "oral-3.csv", [["code", "grade"], [codes[0], "C"]])
    with (
        approving(world.outbox, "staff-grader-ext-1") as stranger,
        approving(world.outbox, GRADER, extra={"decision": "reject", "comment": "wrong file"}) as uploader,
    ):
        result = spreadsheet_grades(
            SpreadsheetGrades(occasion_uid=occasion, filename=name, uploaded_by=GRADER)
        )
    assert stranger.answers == []  # nobody but the uploader was sent a code
    assert [a["decision"] for a in uploader.answers] == ["reject"]
    assert result == {"changed": 0, "unchanged": 0, "left_alone": 0, "notes_added": 0}
    assert held(occasion) == before and len(uploads_logged(occasion)) == logged
    mail = max(world.outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime).read_text()
    assert "oral-3.csv" in mail or "upload" in mail.lower()


def test_grading_approves_the_uploaded_grades_then_no_upload_is_taken(
    world: World, occasion: str, codes: list[str]
):
    with (
        approving(world.outbox, "staff-examiner-1"),
        approving(world.outbox, "staff-grader-1"),
        approving(world.outbox, "staff-grader-ext-1"),
    ):
        # held outside the platform: no export; every grader of the committee approves the joint grading
        result = grading_flow(
            GradeExam(occasion_uid=occasion, settings=GradingSettings(joint_approval="all"))
        )
    with transaction() as session:
        decided = session.scalars(
            select(Approval.kind).where(Approval.occasion_id == occasion, Approval.status == "approved")
        ).all()
    assert {k for k in decided if k.startswith("grading-")} == {
        "grading-own-staff-examiner-1",
        "grading-own-staff-grader-1",
        "grading-joint-staff-examiner-1",
        "grading-joint-staff-grader-1",
    }
    before = held(occasion)
    assert result["approved"] == len(before) == 4
    assert {(row[2], row[3]) for row in before.values()} == {("approved", "spreadsheet")}
    with pytest.raises(UploadRefused, match=f"4 grades of {occasion} are approved already"):
        upload(occasion, "oral.csv")
    assert held(occasion) == before
    with transaction() as session:
        count = session.scalar(
            select(func.count()).select_from(GraderNote).where(GraderNote.occasion_id == occasion)
        )
    assert count == 1
