"""Graders' notes per candidate and question: private, or meant for a justification."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import GraderNote, Mark, Question, Registration

PURPOSES = ("private", "justification")


class NoteIn(NamedTuple):
    registration_id: int
    text: str
    purpose: str = "private"
    question_id: str = ""


def add(session: Session, *, occasion_id: str, staff_id: str, given: Sequence[NoteIn]) -> int:
    """Adds a grader's notes in one insert, leaving out any the grader already wrote (so the same
    notes twice are kept once); returns how many were new."""
    wrong = sorted({n.purpose for n in given} - set(PURPOSES))
    if wrong:
        raise ValueError(f"a note's purpose is one of {', '.join(PURPOSES)}, not {', '.join(wrong)}")
    held = set(
        session.execute(
            select(
                GraderNote.registration_id, GraderNote.text, GraderNote.purpose, GraderNote.question_id
            ).where(GraderNote.occasion_id == occasion_id, GraderNote.staff_id == staff_id)
        ).tuples()
    )
    new = list(dict.fromkeys(n for n in given if tuple(n) not in held))
    now = datetime.now(UTC)
    session.add_all(
        GraderNote(occasion_id=occasion_id, staff_id=staff_id, created_at=now, **n._asdict()) for n in new
    )
    session.flush()
    return len(new)


def for_justification(session: Session, *, registration_id: int) -> list[tuple[int | None, str, str]]:
    """(question number or None for the whole paper, grader, text) of the notes meant for a
    justification of this candidate's grade, by question."""
    rows = session.execute(
        select(Question.number, GraderNote.staff_id, GraderNote.text)
        .join(Registration, Registration.id == GraderNote.registration_id)
        .outerjoin(
            Question,
            (Question.occasion_id == Registration.occasion_id)
            & (Question.question_id == GraderNote.question_id),
        )
        .where(GraderNote.registration_id == registration_id, GraderNote.purpose == "justification")
        .order_by(Question.number, GraderNote.id)
    ).all()
    return [(n, staff_id, text) for n, staff_id, text in rows]


def paper_scores(session: Session, *, registration_id: int) -> list[tuple[int, float, float]]:
    """(question number, score, max score) of one candidate's paper, by question."""
    rows = session.execute(
        select(Question.number, Mark.score, Question.max_score)
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.registration_id == registration_id)
        .order_by(Question.number)
    ).all()
    return [(n, score, top) for n, score, top in rows]
