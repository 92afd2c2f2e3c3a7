"""What an uploaded grade sheet needs beyond store.grading: the exam's maximum points, the grades
held now, and spreadsheet grades written with their source."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import Grade, Question


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
