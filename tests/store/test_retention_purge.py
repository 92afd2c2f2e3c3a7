"""An exam past retention, purged by the retention task on SQLite and PostgreSQL, the outside
systems the in-process fakes: no name, national id, email or answer of its candidates remains in
the store, the outbox (rows and mail files) or on the platform; the grades by code, the archive's
checksums and the audit log's hash chain still verify. A held exam is left exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from deployments.staff import seed_staff
from models.grading import CommitteeRule, GradingSettings
from models.retention import LegalHoldRequest, RetentionOutcome
from store import audit, outbox
from store.db import transaction
from store.schema import (
    AuditEvent,
    Base,
    Grade,
    GraderNote,
    JustificationRecord,
    Mark,
    Registration,
    RetentionPurge,
    Student,
)
from store.verify_audit import verify_database
from tasks import platform_results
from tasks.archive import archive_exam
from tasks.retention import archive_unconfirmed, retain_exam, set_legal_hold
from tasks.systems import installed
from tests.conftest import examflow_environment
from tests.fakes import FakeSystems
from tests.fakes.worlds import SMALL_TERM, graded_exam

RULE = GradingSettings(committee=CommitteeRule(graders=1, min_external=0))
PAST_EVERY_PERIOD = timedelta(days=3651)


@pytest.fixture
def fakes(engine: Engine, tmp_path: Path) -> Iterator[FakeSystems]:
    systems = FakeSystems.with_term(SMALL_TERM)
    env = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    with examflow_environment(env), installed(systems):
        with transaction() as session:
            seed_staff(session)
        yield systems


def archived_exam(fakes: FakeSystems, tmp_path: Path) -> str:
    """The term's largest occasion graded and archived, with what a real exam leaves behind: a
    grader's note, a justification's text, a mail to a student (delivered to the mail folder) and
    an audit event naming a student in full."""
    occasion = max(fakes.ladok.occasions, key=lambda uid: len(fakes.ladok.registered_many([uid])[uid]))
    graded_exam(fakes, occasion, RULE)
    archive_exam.fn(occasion)
    with transaction() as session:
        registration, student = session.execute(
            select(Registration, Student)
            .join(Student, Student.uid == Registration.student_uid)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
            .limit(1)
        ).one()
        full = f"{student.first_name} {student.last_name}"
        session.add(
            GraderNote(
                occasion_id=occasion,
                registration_id=registration.id,
                staff_id="staff-grader-1",
                purpose="justification",
                text="clear and complete",
                created_at=registration.updated_at,
            )
        )
        session.add(
            JustificationRecord(
                occasion_id=occasion,
                registration_id=registration.id,
                requested_on=date(2026, 2, 1),
                due_on=date(2026, 2, 15),
                given_on=date(2026, 2, 3),
                given_by="staff-examiner-1",
                text=f"Dear {full}, your answers were clear and complete.",
            )
        )
        outbox.to_student(
            session, registration_id=registration.id, subject="Your grade", body=f"Dear {full}, ..."
        )
        outbox.deliver_pending(session, folder=tmp_path / "outbox")
        audit.record(
            session,
            actor="staff-coordinator-1",
            action="candidate.contacted",
            occasion_id=occasion,
            detail={
                "student": full,
                "national_id": student.national_id,
                "email": student.email,
                "student_uid": student.uid,
                "code": registration.anonymisation_code,
                "note": f"phoned {student.first_name} about the appeal",
            },
        )
    return occasion


def personal_values(occasion: str) -> tuple[set[str], set[str]]:
    """The personal values of the exam's candidates: of those registered for no other exam, and of
    those who are (kept for their other exams)."""
    with transaction() as session:
        rows = session.execute(
            select(Student).join(Registration).where(Registration.occasion_id == occasion)
        ).scalars()
        students = list(rows)
        others = set(
            session.scalars(
                select(Registration.student_uid).where(
                    Registration.occasion_id != occasion,
                    Registration.student_uid.in_([s.uid for s in students]),
                )
            )
        )
    values: dict[bool, set[str]] = {True: set(), False: set()}
    for s in students:
        full = f"{s.first_name} {s.last_name}"
        values[s.uid in others] |= {v for v in (full, s.national_id, s.email) if v}
    return values[False], values[True]


def store_text(where_occasion: str | None = None) -> str:
    """Every row of every table as text (of one exam's rows only, where a table has them)."""
    lines = []
    with transaction() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table)
            if where_occasion and "occasion_id" in table.c:
                query = query.where(table.c.occasion_id == where_occasion)
            elif where_occasion:
                continue
            # each row's values also joined by spaces: a first and a last name side by side read as
            # the full name
            lines += [f"{tuple(row)!r} {' '.join(map(str, row))}" for row in session.execute(query)]
    return "\n".join(lines)


def grades_by_code(occasion: str) -> dict[str, tuple[str, str, float | None]]:
    with transaction() as session:
        rows = session.execute(
            select(Registration.anonymisation_code, Grade.grade, Grade.status, Grade.points)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Grade.occasion_id == occasion)
        ).all()
    return {code: (grade, status, points) for code, grade, status, points in rows}


def snapshot(fakes: FakeSystems, occasion: str, tmp_path: Path) -> tuple[Any, ...]:
    files = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))
    return store_text(), repr(fakes.inspera.tests), files


def test_an_exam_past_retention_keeps_no_personal_data_and_its_grades_archive_and_chain_verify(
    fakes: FakeSystems, tmp_path: Path
) -> None:
    occasion = archived_exam(fakes, tmp_path)
    alone, kept = personal_values(occasion)
    assert alone and all(v in store_text() for v in alone)  # the test would see them
    grades = grades_by_code(occasion)
    test_id = platform_results.platform_test_id(occasion)
    on_test = len(fakes.inspera.list_candidates(test_id))
    with transaction() as session:
        registered = len(
            session.scalars(select(Registration.id).where(Registration.occasion_id == occasion)).all()
        )
        since = session.scalar(select(Grade.updated_at).order_by(Grade.updated_at.desc()).limit(1))
    assert since is not None

    done = retain_exam.fn(occasion, since + PAST_EVERY_PERIOD)

    assert done.outcome == RetentionOutcome.PURGED
    assert set(done.kinds) == {"answers", "personal", "notes", "mails", "audit"}
    everything, this_exam = store_text(), store_text(occasion)
    assert not [v for v in alone if v in everything]
    assert not [v for v in kept if v in this_exam]
    assert not list((tmp_path / "outbox").glob("*.eml"))
    assert test_id not in fakes.inspera.tests
    on_platform = repr(fakes.inspera.tests)
    assert not [v for v in alone | kept if v in on_platform]
    with transaction() as session:
        assert session.scalars(select(Mark.response).where(Mark.occasion_id == occasion)).all()
        assert not session.scalars(
            select(Mark).where(Mark.occasion_id == occasion, Mark.response.is_not(None))
        ).all()
        purged = session.scalars(select(AuditEvent).where(AuditEvent.purged_at.is_not(None))).all()
        recorded = {p.kind: p.counts for p in session.scalars(select(RetentionPurge))}
    assert grades_by_code(occasion) == grades
    assert archive_unconfirmed(occasion) == ""
    verdict = verify_database()
    assert verdict.intact and purged
    assert recorded["answers"] == {
        "platform_candidates": on_test,
        "platform_tests": 1,
        "choice_answers": recorded["answers"]["choice_answers"],
    }
    assert recorded["answers"]["choice_answers"] > 0
    assert recorded["mails"] == {"mails": 1, "mail_files": 1}
    assert recorded["notes"] == {"notes": 1, "justification_texts": 1}
    personal = recorded["personal"]
    assert personal["candidates"] == registered
    assert personal["students_deleted"] + personal["students_kept_for_other_exams"] == personal["candidates"]


def test_a_held_exam_is_left_exactly_as_it_was(fakes: FakeSystems, tmp_path: Path) -> None:
    occasion = archived_exam(fakes, tmp_path)
    request = LegalHoldRequest(
        occasion_uid=occasion,
        action="place",
        kind="complaint",
        reason="complaint to the ombudsman",
        staff_id="staff-coordinator-1",
    )
    with transaction() as session:
        since = session.scalar(select(Grade.updated_at).order_by(Grade.updated_at.desc()).limit(1))
    assert since is not None
    set_legal_hold.fn(request, since)
    before = snapshot(fakes, occasion, tmp_path)

    done = retain_exam.fn(occasion, since + PAST_EVERY_PERIOD)

    assert done.outcome == RetentionOutcome.HELD
    assert "complaint held by staff-coordinator-1" in done.reason
    assert snapshot(fakes, occasion, tmp_path) == before
