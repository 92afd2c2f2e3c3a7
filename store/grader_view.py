"""Everything examflow shows to the grader role: anonymisation codes, never a name, email or
national id. A test holds every function here to that."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.schema import (
    Approval,
    Committee,
    CommitteeCandidate,
    CommitteeMember,
    GraderMark,
    Mark,
    Question,
    Registration,
)


def committee_marks(
    session: Session, *, occasion_id: str, committee: str, graders: list[str]
) -> pd.DataFrame:
    """One row per candidate of the committee: code, the auto-scored points, and per manual question
    the score each of `graders` gave (columns `Q<number> <grader>`)."""
    members = (
        select(Registration.id, Registration.anonymisation_code.label("code"))
        .join(CommitteeCandidate, CommitteeCandidate.registration_id == Registration.id)
        .join(Committee, Committee.id == CommitteeCandidate.committee_id)
        .where(Committee.occasion_id == occasion_id, Committee.name == committee)
    )
    candidates = pd.DataFrame(session.execute(members).all(), columns=["registration_id", "code"])
    auto = session.execute(
        select(Mark.registration_id, func.sum(Mark.score * Question.weight))
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.occasion_id == occasion_id, Question.kind == "choice")
        .group_by(Mark.registration_id)
    ).all()
    scores = session.execute(
        select(GraderMark.registration_id, Question.number, GraderMark.staff_id, GraderMark.score)
        .join(
            Question,
            (Question.occasion_id == GraderMark.occasion_id)
            & (Question.question_id == GraderMark.question_id),
        )
        .where(GraderMark.occasion_id == occasion_id, GraderMark.staff_id.in_(graders))
    ).all()
    frame = candidates.merge(
        pd.DataFrame(auto, columns=["registration_id", "auto points"]), on="registration_id", how="left"
    )
    marks = pd.DataFrame(scores, columns=["registration_id", "number", "grader", "score"])
    if not marks.empty:
        marks["column"] = "Q" + marks.number.astype(str) + " " + marks.grader
        wide = marks.pivot_table(index="registration_id", columns="column", values="score", aggfunc="first")
        ordered = sorted(wide.columns, key=lambda c: (int(c.split()[0][1:]), c))
        frame = frame.merge(wide[ordered].reset_index(), on="registration_id", how="left")
    return frame.sort_values("code").drop(columns="registration_id").reset_index(drop=True)


def committee_progress(session: Session, *, occasion_id: str) -> pd.DataFrame:
    """Per grading committee: graders, candidates, answers each grader has scored of those expected,
    and who has approved their own grading."""
    committees = session.execute(
        select(Committee.id, Committee.name)
        .where(Committee.occasion_id == occasion_id, Committee.kind == "grading")
        .order_by(Committee.id)
    ).all()
    manual = (
        session.scalar(
            select(func.count()).where(Question.occasion_id == occasion_id, Question.kind == "manual")
        )
        or 0
    )
    rows = []
    for committee_id, name in committees:
        rows.append(_progress_row(session, occasion_id, committee_id, name, int(manual)))
    return pd.DataFrame(rows, columns=["committee", "candidates", "graders", "scored", "approved own"])


def _progress_row(session: Session, occasion_id: str, committee_id: int, name: str, manual: int) -> dict:
    graders = list(
        session.scalars(
            select(CommitteeMember.staff_id)
            .where(CommitteeMember.committee_id == committee_id)
            .order_by(CommitteeMember.staff_id)
        )
    )
    candidates = select(CommitteeCandidate.registration_id).where(
        CommitteeCandidate.committee_id == committee_id
    )
    count = session.scalar(select(func.count()).select_from(candidates.subquery())) or 0
    scored = dict(
        session.execute(
            select(GraderMark.staff_id, func.count())
            .where(GraderMark.registration_id.in_(candidates), GraderMark.staff_id.in_(graders))
            .group_by(GraderMark.staff_id)
        ).all()
    )
    approved = set(
        session.scalars(
            select(Approval.decided_by).where(
                Approval.occasion_id == occasion_id,
                Approval.kind.in_([f"grading-own-{g}" for g in graders]),
                Approval.status == "approved",
            )
        )
    )
    expected = count * manual
    return {
        "committee": name,
        "candidates": count,
        "graders": ", ".join(graders),
        "scored": ", ".join(f"{g} {scored.get(g, 0)}/{expected}" for g in graders),
        "approved own": ", ".join(g for g in graders if g in approved) or "none yet",
    }
