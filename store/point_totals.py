"""Each candidate's points kept beside their marks (`point_totals`: the weighted sum of every mark they
hold, unrounded), and whether they are as new as the marks.

A rescore takes a candidate's points from here instead of summing all of their marks, but only while
they are current: `mark_revisions.totals_revision` names the revision of the occasion's marks and
questions at which the totals were last made equal to them, and the database moves that revision on
at every write to a mark or a question, whoever makes it. Whoever writes totals stamps them after the
transaction's last write to the occasion's marks and questions; a write after the stamp leaves them
behind (on PostgreSQL too, migration 0007), and they are summed again (`refresh`) by the next writer.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from store import driver
from store.schema import Mark, PointTotal, Question


def refresh(session: Session, *, occasion_id: str) -> int:
    """Every candidate's points summed again from the marks and questions held, and stamped current.
    Returns the number of candidates holding a mark."""
    session.execute(delete(PointTotal).where(PointTotal.occasion_id == occasion_id))
    sums = (
        select(Mark.registration_id, Mark.occasion_id, func.sum(Mark.score * Question.weight))
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.occasion_id == occasion_id)
        .group_by(Mark.registration_id, Mark.occasion_id)
    )
    session.execute(insert(PointTotal).from_select(["registration_id", "occasion_id", "points"], sums))
    stamp(session, occasion_id=occasion_id)
    query = select(func.count()).select_from(PointTotal).where(PointTotal.occasion_id == occasion_id)
    return int(session.scalar(query) or 0)


def save(session: Session, points: list[tuple[float, int]]) -> int:
    """New points of candidates who hold totals, as (points, registration_id) pairs. The caller stamps."""
    return driver.execute(session, "UPDATE point_totals SET points = ? WHERE registration_id = ?", points)


def stamp(session: Session, *, occasion_id: str) -> None:
    """Marks the occasion's totals as equal to its marks and questions as they stand now."""
    driver.execute(
        session, "UPDATE mark_revisions SET totals_revision = revision WHERE occasion_id = ?", (occasion_id,)
    )
