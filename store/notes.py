"""Graders' notes per candidate and question: private, or meant for a justification."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import GraderNote, Mark, Question, Registration

PURPOSES = ("private", "justification")


def add(
    session: Session,
    *,
    occasion_id: str,
    registration_id: int,
    staff_id: str,
    text: str,
    purpose: str,
    question_id: str = "",
) -> bool:
    """Adds the note unless the same grader already wrote the same note; True when added."""
    if purpose not in PURPOSES:
        raise ValueError(f"a note's purpose is one of {', '.join(PURPOSES)}, not {purpose!r}")
    same = select(GraderNote.id).where(
        GraderNote.registration_id == registration_id,
        GraderNote.question_id == question_id,
        GraderNote.staff_id == staff_id,
        GraderNote.purpose == purpose,
        GraderNote.text == text,
    )
    if session.scalar(same) is not None:
        return False
    session.add(
        GraderNote(
            occasion_id=occasion_id,
            registration_id=registration_id,
            question_id=question_id,
            staff_id=staff_id,
            purpose=purpose,
            text=text,
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    return True


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
