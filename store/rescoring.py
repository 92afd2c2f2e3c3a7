"""What a rescore reads of an occasion (its questions, one question's marks, its candidates and their
points on the other questions, summed in the database; the revision of its marks), and the rescore
written back, all in bulk."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.grading import MARK_COLUMNS, QUESTION_COLUMNS
from store import driver
from store.schema import Grade, Mark, MarkRevision, Question, Registration
from store.upsert import frame_values


def questions_frame(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """The occasion's questions (QUESTION_COLUMNS), ordered by question."""
    columns = [getattr(Question, c) for c in QUESTION_COLUMNS]
    query = select(*columns).where(Question.occasion_id == occasion_id).order_by(Question.question_id)
    frame = _frame(session.connection().execute(query), list(QUESTION_COLUMNS))
    return frame.astype({"max_score": float, "weight": float})


def question_marks_and_candidates(
    session: Session, *, occasion_id: str, question_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One question's marks (QUESTION_MARK_COLUMNS) and every candidate holding a mark on the occasion
    (registration_id, anonymisation_code and current grade), both ordered by candidate, in one query
    over the occasion's registrations: each one's mark on the question found by its primary key
    (registration, question), so the exam's other marks are read only to tell whether a candidate
    without a mark on the question holds one elsewhere."""
    own = aliased(Mark)
    holds = (
        select(Mark.registration_id)
        .where(Mark.registration_id == Registration.id, Mark.occasion_id == occasion_id)
        .exists()
    )
    query = (
        select(
            Registration.id,
            Registration.anonymisation_code,
            Grade.grade,
            own.auto_score,
            own.manual_score,
            own.response,
            own.score,
        )
        .outerjoin(Grade, Grade.registration_id == Registration.id)
        .outerjoin(
            own,
            (own.registration_id == Registration.id)
            & (own.question_id == question_id)
            & (own.occasion_id == occasion_id),
        )
        .where(Registration.occasion_id == occasion_id, or_(own.score.is_not(None), holds))
        .order_by(Registration.id)
    )
    rows = session.connection().execute(query).cursor.fetchall()
    ids, codes, grades, auto, manual, responses, scores = _columns(
        rows, [np.int64, object, object, float, float, object, float]
    )
    held = ~np.isnan(scores)  # a mark's score is never null
    marks = {"registration_id": ids, "auto_score": auto, "manual_score": manual, "response": responses}
    return (
        pd.DataFrame({**{c: v[held] for c, v in marks.items()}, "score": scores[held]}),
        pd.DataFrame({"registration_id": ids, "anonymisation_code": codes, "grade": grades}),
    )


def marks_revision(session: Session, *, occasion_id: str) -> int:
    """The revision of the occasion's marks (0: none ever written), kept by database triggers on every
    write to a mark, so a rescore's digest sees a change to any mark of the occasion, by any writer,
    without reading the marks. Locked until the transaction ends (on PostgreSQL; SQLite's writer lock
    is the transaction's own), so no mark of the occasion changes under a rescore between its reads
    and its writes."""
    query = select(MarkRevision.revision).where(MarkRevision.occasion_id == occasion_id).with_for_update()
    return session.scalar(query) or 0


def other_points(
    session: Session, *, occasion_id: str, question_id: str, registration_ids: pd.Index | None
) -> pd.Series:
    """Each candidate's points, sum(score * weight), on the occasion's questions other than
    `question_id`, summed in the database over the marks as held; for the candidates given (None:
    every candidate). A candidate with no other mark is left out."""
    if registration_ids is not None and registration_ids.empty:
        return pd.Series(dtype=float, name="points")
    query = (
        select(Mark.registration_id, func.sum(Mark.score * Question.weight))
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.occasion_id == occasion_id, Mark.question_id != question_id)
        .group_by(Mark.registration_id)
    )
    if registration_ids is not None:
        query = query.where(Mark.registration_id.in_(registration_ids.tolist()))
    frame = _frame(session.connection().execute(query), ["registration_id", "points"])
    return frame.set_index("registration_id").points.astype(float)


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


def _columns(rows: list[Any], dtypes: list[type]) -> list[np.ndarray]:
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
        hashed.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
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


def save_grades(session: Session, grades: pd.DataFrame) -> int:
    """New points, percent and grade of existing grade rows (registration_id, points, percent, grade);
    each keeps its status."""
    stamp = driver.bound(session, Grade.__table__.c.updated_at, datetime.now(UTC))
    rows = [
        (points, percent, grade, stamp, registration_id)
        for registration_id, points, percent, grade in frame_values(
            grades, ["registration_id", "points", "percent", "grade"]
        )
    ]
    return driver.execute(
        session,
        "UPDATE grades SET points = ?, percent = ?, grade = ?, updated_at = ? WHERE registration_id = ?",
        rows,
    )
