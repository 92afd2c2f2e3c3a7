"""Everything examflow shows to the grader role: anonymisation codes, never a name, email or
national id. A test holds every function here to that."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import committees
from store.schema import (
    Approval,
    Committee,
    CommitteeCandidate,
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
    ids = (
        select(CommitteeCandidate.registration_id)
        .join(Committee, Committee.id == CommitteeCandidate.committee_id)
        .where(Committee.occasion_id == occasion_id, Committee.name == committee)
    )
    members = select(Registration.id, Registration.anonymisation_code).where(Registration.id.in_(ids))
    candidates = pd.DataFrame(session.execute(members).all(), columns=["registration_id", "code"])
    auto = session.execute(
        select(Mark.registration_id, func.sum(Mark.score * Question.weight))
        .join(
            Question, (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id)
        )
        .where(Mark.registration_id.in_(ids), Question.kind == "choice")
        .group_by(Mark.registration_id)
    ).all()
    scores = session.execute(
        select(GraderMark.registration_id, Question.number, GraderMark.staff_id, GraderMark.score)
        .join(
            Question,
            (Question.occasion_id == GraderMark.occasion_id)
            & (Question.question_id == GraderMark.question_id),
        )
        .where(GraderMark.registration_id.in_(ids), GraderMark.staff_id.in_(graders))
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
    manual = session.scalar(
        select(func.count()).where(Question.occasion_id == occasion_id, Question.kind == "manual")
    )
    in_committee = (
        select(Committee.name, CommitteeCandidate.registration_id)
        .join(CommitteeCandidate, CommitteeCandidate.committee_id == Committee.id)
        .where(Committee.occasion_id == occasion_id, Committee.kind == "grading")
        .subquery()
    )
    sizes: dict[str, int] = dict(
        session.execute(select(in_committee.c.name, func.count()).group_by(in_committee.c.name))
        .tuples()
        .all()
    )
    scored = dict(
        ((name, staff_id), n)
        for name, staff_id, n in session.execute(
            select(in_committee.c.name, GraderMark.staff_id, func.count())
            .join(GraderMark, GraderMark.registration_id == in_committee.c.registration_id)
            .group_by(in_committee.c.name, GraderMark.staff_id)
        ).all()
    )
    approved = set(
        session.scalars(
            select(Approval.kind).where(
                Approval.occasion_id == occasion_id,
                Approval.kind.like("grading-own-%"),
                Approval.status == "approved",
            )
        )
    )
    rows = []
    for name, graders in committees.grading_committees(session, occasion_id=occasion_id).items():
        expected = sizes.get(name, 0) * (manual or 0)
        rows.append(
            {
                "committee": name,
                "candidates": sizes.get(name, 0),
                "graders": ", ".join(graders),
                "scored": ", ".join(f"{g} {scored.get((name, g), 0)}/{expected}" for g in graders),
                "approved own": ", ".join(g for g in graders if f"grading-own-{g}" in approved) or "none yet",
            }
        )
    return pd.DataFrame(rows, columns=["committee", "candidates", "graders", "scored", "approved own"])
