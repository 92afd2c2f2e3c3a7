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

from sqlalchemy.orm import Session

from store import driver

# Each candidate's points summed over their marks and the questions' weights (`?`: the occasion), the
# definition the totals are kept by; a caller may add conditions and must group by candidate.
SUMMED_POINTS = (
    "SELECT m.registration_id, SUM(m.score * q.weight) AS points FROM marks m JOIN questions q "
    "ON q.occasion_id = m.occasion_id AND q.question_id = m.question_id WHERE m.occasion_id = ?"
)


def refresh(session: Session, *, occasion_id: str) -> int:
    """Every candidate's points summed again from the marks and questions held, and stamped current.
    Returns the number of candidates holding a mark."""
    driver.execute(session, "DELETE FROM point_totals WHERE occasion_id = ?", (occasion_id,))
    driver.execute(
        session,
        "INSERT INTO point_totals (registration_id, occasion_id, points) "
        f"SELECT registration_id, ?, points FROM ({SUMMED_POINTS} GROUP BY m.registration_id) s",
        (occasion_id, occasion_id),
    )
    stamp(session, occasion_id=occasion_id)
    return count(session, occasion_id=occasion_id)


def count(session: Session, *, occasion_id: str) -> int:
    """How many candidates of the occasion hold totals (while current: every one holding a mark)."""
    ((held,),) = driver.rows(
        session, "SELECT COUNT(*) FROM point_totals WHERE occasion_id = ?", (occasion_id,)
    )
    return int(held)


def save(session: Session, points: list[tuple[float, int]]) -> int:
    """New points of candidates who hold totals, as (points, registration_id) pairs. The caller stamps."""
    return driver.execute(session, "UPDATE point_totals SET points = ? WHERE registration_id = ?", points)


def stamp(session: Session, *, occasion_id: str) -> None:
    """Marks the occasion's totals as equal to its marks and questions as they stand now."""
    driver.execute(
        session, "UPDATE mark_revisions SET totals_revision = revision WHERE occasion_id = ?", (occasion_id,)
    )
