"""What a rescore reads of an occasion (its questions, one question's marks, the revision of its marks
and questions, and the points of the candidates it may move, from their point totals or summed in
the database), and the rescore written back, all in bulk."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, select
from sqlalchemy.orm import Session

from models.grading import MARK_COLUMNS, QUESTION_COLUMNS, QUESTION_MARK_COLUMNS
from store import driver, point_totals
from store.schema import Grade, Mark, Question, Registration
from store.upsert import frame_values


def questions_frame(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """The occasion's questions (QUESTION_COLUMNS), ordered by question."""
    sql = f"SELECT {', '.join(QUESTION_COLUMNS)} FROM questions WHERE occasion_id = ? ORDER BY question_id"
    rows = driver.rows(session, sql, (occasion_id,))
    dtypes: list[type] = [object, np.int64, object, float, float, object]
    return pd.DataFrame(dict(zip(QUESTION_COLUMNS, _columns(rows, dtypes), strict=True)))


def question_marks(session: Session, *, occasion_id: str, question_id: str) -> pd.DataFrame:
    """One question's marks (QUESTION_MARK_COLUMNS) ordered by candidate, read from ix_marks_question."""
    sql = (
        f"SELECT {', '.join(QUESTION_MARK_COLUMNS)} FROM marks WHERE occasion_id = ? AND question_id = ? "
        "ORDER BY registration_id"
    )
    rows = driver.rows(session, sql, (occasion_id, question_id))
    columns = _columns(rows, [np.int64, float, float, object, float])
    return pd.DataFrame(dict(zip(QUESTION_MARK_COLUMNS, columns, strict=True)))


@dataclass(frozen=True)
class Revision:
    """The revision of an occasion's marks and questions, and whether its point totals are as new."""

    number: int
    totals_current: bool


def marks_revision(session: Session, *, occasion_id: str) -> Revision:
    """The revision of the occasion's marks and questions (0: no mark ever written), kept by database
    triggers on every write to a mark or a question, so a rescore's digest sees a change to any of
    them, by any writer, without reading them. Locked until the transaction ends (on PostgreSQL;
    SQLite's writer lock is the transaction's own), so none of them changes under a rescore between
    its reads and its writes."""
    lock = " FOR UPDATE" if session.get_bind().dialect.name == "postgresql" else ""
    sql = f"SELECT revision, totals_revision FROM mark_revisions WHERE occasion_id = ?{lock}"
    rows = driver.rows(session, sql, (occasion_id,))
    if not rows:
        return Revision(0, totals_current=False)
    ((revision, totals),) = rows
    return Revision(revision, totals_current=totals == revision)


# Each candidate's points as kept (current totals only); else summed (point_totals.SUMMED_POINTS).
KEPT_POINTS = "SELECT registration_id, points FROM point_totals WHERE occasion_id = ?"


def candidate_points(
    session: Session, *, occasion_id: str, registration_ids: pd.Index | None, from_totals: bool
) -> pd.DataFrame:
    """The candidates given (None: every candidate holding a mark on the occasion) indexed by
    registration_id, ordered, with anonymisation_code, grade and points: the weighted sum of every
    mark they hold, taken from their point totals (`from_totals`: only when those are current) or
    summed over their marks in the database."""
    summed = point_totals.SUMMED_POINTS
    points, key = (KEPT_POINTS, "registration_id") if from_totals else (summed, "m.registration_id")
    asked = () if registration_ids is None else tuple(registration_ids.tolist())
    if registration_ids is not None:
        points += f" AND {key} IN ({driver.placeholders(len(asked))})"
    if not from_totals:
        points += " GROUP BY m.registration_id"
    sql = (
        f"SELECT p.registration_id, r.anonymisation_code, g.grade, p.points FROM ({points}) p "
        "JOIN registrations r ON r.id = p.registration_id "
        "LEFT JOIN grades g ON g.registration_id = p.registration_id ORDER BY p.registration_id"
    )
    rows = driver.rows(session, sql, (occasion_id, *asked))
    ids, codes, grades, sums = _columns(rows, [np.int64, object, object, float])
    frame = pd.DataFrame({"anonymisation_code": codes, "grade": grades, "points": sums}, index=ids)
    if registration_ids is not None and len(frame) != len(asked):
        missing = registration_ids.difference(frame.index).tolist()
        raise LookupError(f"candidates of {occasion_id} hold no points: registrations {missing}")
    return frame.rename_axis("registration_id")


def holders(session: Session, *, occasion_id: str, from_totals: bool) -> int:
    """How many candidates hold a mark on the occasion: counted from the point totals (only when those
    are current) or from the registrations and their marks."""
    if from_totals:
        return point_totals.count(session, occasion_id=occasion_id)
    sql = (
        "SELECT COUNT(*) FROM registrations r WHERE r.occasion_id = ? "
        "AND EXISTS (SELECT 1 FROM marks m WHERE m.registration_id = r.id)"
    )
    ((held,),) = driver.rows(session, sql, (occasion_id,))
    return int(held)


def marks_frame(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """Every mark of the occasion with its question, the candidate's code and current grade, ordered
    by candidate and question: the whole exam in one frame, as `rules.rescoring.rescore` recomputes
    it in full (the reference the rescore's own reads are tested against). One query for the marks;
    the questions and the candidates (a row each, not one per mark) come in two small ones and are
    joined here, which reads a 2,000 x 60 exam about three times faster than joining them into
    every mark's row."""
    connection = session.connection()
    marks = _frame(
        connection.execute(
            select(
                Mark.registration_id,
                Mark.question_id,
                Mark.auto_score,
                Mark.manual_score,
                Mark.response,
                Mark.score,
            )
            .where(Mark.occasion_id == occasion_id)
            .order_by(Mark.registration_id, Mark.question_id)
        ),
        ["registration_id", "question_id", "auto_score", "manual_score", "response", "score"],
    )
    questions = _frame(
        connection.execute(
            select(
                Question.question_id,
                Question.number,
                Question.kind,
                Question.max_score,
                Question.weight,
                Question.accepted,
            ).where(Question.occasion_id == occasion_id)
        ),
        ["question_id", "number", "kind", "max_score", "weight", "accepted"],
    ).set_index("question_id")
    candidates = _frame(
        connection.execute(
            select(Registration.id, Registration.anonymisation_code, Grade.grade)
            .outerjoin(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion_id)
        ),
        ["registration_id", "anonymisation_code", "grade"],
    ).set_index("registration_id")
    for lookup, key in ((questions, "question_id"), (candidates, "registration_id")):
        rows = lookup.index.get_indexer(marks[key])
        if (rows < 0).any():
            raise LookupError(
                f"marks of {occasion_id} name a {key} it does not hold: {marks[key][rows < 0].iloc[0]}"
            )
        for name in lookup.columns:
            marks[name] = lookup[name].to_numpy()[rows]
    floats = ("max_score", "weight", "auto_score", "manual_score", "score")
    return marks[list(MARK_COLUMNS)].astype({c: float for c in floats})


def _columns(rows: Sequence[Any], dtypes: list[type]) -> list[np.ndarray]:
    """The rows' columns as arrays of `dtypes` (None read as NaN in a float column): a frame built
    from typed arrays, not from records, saves milliseconds on a few thousand rows."""
    columns = zip(*rows, strict=True) if rows else [()] * len(dtypes)
    return [np.array(column, dtype=dtype) for column, dtype in zip(columns, dtypes, strict=True)]


def _frame(result: CursorResult[Any], columns: list[str]) -> pd.DataFrame:
    """The result's rows as a frame, read from the driver's cursor: no row object is built per mark
    (the columns read here are plain numbers and strings that need no conversion on either backend)."""
    return pd.DataFrame.from_records(result.cursor.fetchall(), columns=columns)


def digest(*frames: pd.DataFrame) -> str:
    """A fingerprint of the frames as read: an apply refuses if they changed after the preview."""
    hashed = hashlib.sha256()
    for frame in frames:
        hashed.update(repr((list(frame.columns), len(frame))).encode())
        for name in frame.columns:
            values = frame[name].to_numpy()
            hashed.update(repr(values.tolist()).encode() if values.dtype == object else values.tobytes())
    return hashed.hexdigest()


def save_marks(session: Session, marks: pd.DataFrame) -> int:
    """New auto and final scores of existing marks (registration_id, question_id, auto_score, score)."""
    rows = frame_values(marks, ["auto_score", "score", "registration_id", "question_id"])
    return driver.execute(
        session,
        "UPDATE marks SET auto_score = ?, score = ? WHERE registration_id = ? AND question_id = ?",
        rows,
    )


def save_question(
    session: Session, *, occasion_id: str, question_id: str, weight: float, accepted: str | None
) -> None:
    updated = driver.execute(
        session,
        "UPDATE questions SET weight = ?, accepted = ? WHERE occasion_id = ? AND question_id = ?",
        (weight, accepted, occasion_id, question_id),
    )
    if not updated:
        raise LookupError(f"question {question_id} of {occasion_id} is not held")


def save_grades(session: Session, grades: list[tuple[int, float, float, str]]) -> int:
    """New points, percent and grade of existing grade rows, as (registration_id, points, percent,
    grade); each keeps its status."""
    stamp = driver.bound(session, Grade.__table__.c.updated_at, datetime.now(UTC))
    rows = [
        (points, percent, grade, stamp, registration_id) for registration_id, points, percent, grade in grades
    ]
    return driver.execute(
        session,
        "UPDATE grades SET points = ?, percent = ?, grade = ?, updated_at = ? WHERE registration_id = ?",
        rows,
    )
