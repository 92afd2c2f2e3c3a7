"""What an uploaded grade sheet needs beyond store.grading: the exam's codes, its maximum points,
the grades held now, spreadsheet grades written with their source, and graders' notes added once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import Grade, Question, Registration
from store.upsert import upsert


def candidate_codes(session: Session, *, occasion_id: str) -> dict[str, int]:
    """Anonymisation code → registration id of everyone registered on the exam."""
    query = select(Registration.anonymisation_code, Registration.id).where(
        Registration.occasion_id == occasion_id, Registration.status == "registered"
    )
    return dict(session.execute(query).tuples().all())


def max_points(session: Session, *, occasion_id: str) -> float | None:
    """The exam's weighted maximum from its questions, or None when it has none (held outside the
    platform)."""
    query = select(func.sum(Question.max_score * Question.weight)).where(Question.occasion_id == occasion_id)
    total = session.scalar(query)
    return None if total is None else float(total)


def held_grades(session: Session, *, occasion_id: str) -> dict[int, dict[str, Any]]:
    """Registration id → the grade row held now (grade, points, percent, status, exam_date, source)."""
    query = select(
        Grade.registration_id,
        Grade.grade,
        Grade.points,
        Grade.percent,
        Grade.status,
        Grade.exam_date,
        Grade.source,
    ).where(Grade.occasion_id == occasion_id)
    return {row.registration_id: dict(row._mapping) for row in session.execute(query)}


def save_sheet_grades(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Upserts grades (registration_id, occasion_id, grade, points, percent, status, exam_date),
    marking them as coming from a spreadsheet."""
    now = datetime.now(UTC)
    stamped = [{**r, "source": "spreadsheet", "updated_at": now} for r in rows]
    return upsert(
        session,
        Grade,
        stamped,
        keys=["registration_id"],
        update=["points", "percent", "grade", "status", "exam_date", "source", "updated_at"],
    )
