"""Questions, marks, attendance and grades of one occasion, written in bulk."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, cast

import pandas as pd
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from store.schema import Attendance, Grade, GraderMark, Mark, Question, Registration, Student
from store.upsert import frame_rows, upsert


def save_questions(session: Session, questions: pd.DataFrame) -> int:
    return upsert(
        session,
        Question,
        frame_rows(questions),
        keys=["occasion_id", "question_id"],
        update=["number", "max_score", "weight", "kind"],
    )


def save_marks(session: Session, marks: pd.DataFrame) -> int:
    """Upserts marks, new ones stored question by question (in the table's own order too): a rescore
    reads and rewrites one question's marks, which then lie on a few pages instead of one page per
    candidate (bench/grading.py)."""
    by_question = marks.sort_values(["occasion_id", "question_id", "registration_id"], kind="stable")
    return upsert(
        session,
        Mark,
        frame_rows(by_question),
        keys=["registration_id", "question_id"],
        update=["auto_score", "manual_score", "score", "response"],
    )


def save_grader_marks(session: Session, marks: pd.DataFrame, registration_ids: list[int]) -> int:
    """Replaces the grader marks of these candidates: a score the platform no longer has goes too."""
    for start in range(0, len(registration_ids), 1000):
        chunk = registration_ids[start : start + 1000]
        session.execute(delete(GraderMark).where(GraderMark.registration_id.in_(chunk)))
    return upsert(
        session,
        GraderMark,
        frame_rows(marks),
        keys=["registration_id", "question_id", "staff_id"],
        update=["score"],
    )


def save_attendance(session: Session, attendance: pd.DataFrame) -> int:
    return upsert(
        session,
        Attendance,
        frame_rows(attendance),
        keys=["registration_id"],
        update=["status", "started_at", "ended_at", "extra_time_minutes"],
    )


def save_grades(session: Session, grades: pd.DataFrame, source: str = "platform") -> int:
    """Upserts grades; `source` says where they came from (the platform, or a spreadsheet)."""
    stamped = grades.assign(source=source, updated_at=datetime.now(UTC))
    return upsert(
        session,
        Grade,
        frame_rows(stamped),
        keys=["registration_id"],
        update=["points", "percent", "grade", "status", "exam_date", "source", "updated_at"],
    )


def grades_digest(session: Session, *, occasion_id: str, status: str) -> str:
    """A fingerprint of the grades in `status`, so an approval approves exactly what was shown."""
    rows = session.execute(
        select(Grade.registration_id, Grade.grade, Grade.points)
        .where(Grade.occasion_id == occasion_id, Grade.status == status)
        .order_by(Grade.registration_id)
    ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def count_approved(session: Session, *, occasion_id: str) -> int:
    query = select(func.count()).where(Grade.occasion_id == occasion_id, Grade.status == "approved")
    return int(session.scalar(query) or 0)


def approve_grades(session: Session, *, occasion_id: str) -> int:
    result = session.execute(
        update(Grade)
        .where(Grade.occasion_id == occasion_id, Grade.status == "proposed")
        .values(status="approved", updated_at=datetime.now(UTC))
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def grade_frame(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """Grades joined with their registrations and attendance: one row per registered candidate."""
    query = (
        select(
            Registration.id.label("registration_id"),
            Registration.anonymisation_code,
            Registration.student_uid,
            Registration.study_result_uid,
            Registration.module_uid,
            Attendance.status.label("attendance"),
            Grade.grade,
            Grade.points,
            Grade.status.label("grade_status"),
            Grade.exam_date,
        )
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .outerjoin(Grade, Grade.registration_id == Registration.id)
        .where(Registration.occasion_id == occasion_id, Registration.status == "registered")
        .order_by(Registration.anonymisation_code)
    )
    rows = session.execute(query).mappings().all()
    columns = [
        "registration_id",
        "anonymisation_code",
        "student_uid",
        "study_result_uid",
        "module_uid",
        "attendance",
        "grade",
        "points",
        "grade_status",
        "exam_date",
    ]
    return pd.DataFrame([dict(r) for r in rows], columns=columns)


def protocol_frame(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """`grade_frame` with each candidate's name: for the archive's grade protocol only."""
    names = pd.DataFrame(
        session.execute(
            select(Student.uid, Student.first_name, Student.last_name)
            .join(Registration, Registration.student_uid == Student.uid)
            .where(Registration.occasion_id == occasion_id)
        ).all(),
        columns=["student_uid", "first_name", "last_name"],
    )
    return grade_frame(session, occasion_id=occasion_id).merge(names, on="student_uid", how="left")


def set_grade(session: Session, *, registration_id: int, grade: str) -> None:
    """Changes an approved grade (a decided correction, reconsideration or adjustment)."""
    row = session.get(Grade, registration_id)
    if row is None:
        raise LookupError(f"registration {registration_id} has no grade")
    row.grade, row.updated_at = grade, datetime.now(UTC)
    session.flush()


def question_ids(session: Session, *, occasion_id: str) -> dict[int, str]:
    """Question number → the platform's question id, for the exam's questions."""
    query = select(Question.number, Question.question_id).where(Question.occasion_id == occasion_id)
    return dict(session.execute(query).tuples().all())


def exam_marks(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """Every mark of the exam with its question's number, max score and weight."""
    query = (
        select(
            Mark.registration_id,
            Mark.question_id,
            Question.number,
            Question.max_score,
            Question.weight,
            Mark.score,
        )
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.occasion_id == occasion_id)
    )
    columns = ["registration_id", "question_id", "number", "max_score", "weight", "score"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)
