"""Rescoring a question for every candidate at once: previewed, then applied as previewed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from prefect import task
from pydantic import Field
from sqlalchemy.orm import Session

from models.domain import Frozen
from models.params import Rescore
from rules.grades import thresholds_for
from rules.rescoring import RescoreOutcome, RescoreRefused, guard, question_change, rescore_question
from store import audit, exam_settings, occasions, point_totals, rescoring, transfer
from store.db import transaction
from tasks import collector
from tasks.retries import REPLAY_SAFE

# A changed candidate as the preview shows it and the audit records it: code, points and grade before/after.
CHANGE_COLUMNS = ["anonymisation_code", "points_before", "points_after", "grade_before", "grade_after"]


class CandidateChange(Frozen):
    candidate: str = Field(description="anonymisation code")
    points_before: float
    points_after: float
    grade_before: str
    grade_after: str


class RescorePreview(Frozen):
    """What a rescore would do, and the digest of the marks it was computed from."""

    occasion_id: str
    question_number: int
    question_id: str
    digest: str
    candidates: int
    changed: int
    raised: int
    lowered: int
    unchanged: int
    marks_changed: int
    weight_before: float
    weight_after: float
    accepted: str | None
    max_points_before: float
    max_points_after: float
    published: bool
    rows: list[CandidateChange] = Field(description="the candidates whose points or grade change, by code")


def compute(session: Session, params: Rescore) -> tuple[RescoreOutcome, str, bool, rescoring.Revision]:
    """The rescore's outcome over the occasion as it stands, the digest of what it was computed from,
    whether the exam is published, and the revision read; refused by the law's guard before anything
    is written. Only the question's marks are read, and the points of the candidates whose points may
    move (see rules.rescoring), from their point totals while those are current. The digest takes in
    the revision of the occasion's marks and questions, read (and locked) first, so it moves with a
    write to any of them, read here or not."""
    occasion_id = params.occasion_uid
    revision = rescoring.marks_revision(session, occasion_id=occasion_id)
    occasion = occasions.get(session, occasion_id)
    thresholds = thresholds_for(occasion.scale, exam_settings.get(session, occasion_id=occasion_id))
    question = question_change(rescoring.questions_frame(session, occasion_id=occasion_id), params)
    marks = rescoring.question_marks(session, occasion_id=occasion_id, question_id=question.question_id)
    from_totals = revision.totals_current

    def candidates(asked: pd.Index | None) -> pd.DataFrame:
        return rescoring.candidate_points(
            session, occasion_id=occasion_id, registration_ids=asked, from_totals=from_totals
        )

    outcome = rescore_question(
        question,
        params,
        marks=marks,
        held=rescoring.holders(session, occasion_id=occasion_id, from_totals=from_totals),
        candidates=candidates,
        thresholds=thresholds,
    )
    published = transfer.published(session, occasion_id=occasion_id)
    guard(occasion.country, published, outcome.candidates)
    read = pd.DataFrame({"revision": [revision.number], "held": [outcome.held]})
    return outcome, rescoring.digest(read, outcome.marks, outcome.candidates), published, revision


@task(name="preview-rescore", **REPLAY_SAFE)
def preview_rescore(params: Rescore) -> RescorePreview:
    """Computes the rescore without writing anything."""
    with collector.paused(), transaction() as session:
        outcome, digest, published, _ = compute(session, params)
    changed = outcome.candidates[outcome.candidates.changed]
    rows = [
        CandidateChange(candidate=c, points_before=pb, points_after=pa, grade_before=gb, grade_after=ga)
        for c, pb, pa, gb, ga in changed[CHANGE_COLUMNS].itertuples(index=False)
    ]
    q = outcome.question
    return RescorePreview(
        occasion_id=params.occasion_uid,
        question_number=q.number,
        question_id=q.question_id,
        digest=digest,
        candidates=outcome.held,
        changed=len(changed),
        **outcome.counts(),
        marks_changed=len(outcome.marks),
        weight_before=q.weight_before,
        weight_after=q.weight_after,
        accepted=q.accepted_after,
        max_points_before=outcome.max_before,
        max_points_after=outcome.max_after,
        published=published,
        rows=rows,
    )


@task(name="apply-rescore", **REPLAY_SAFE)
def apply_rescore(params: Rescore, approver_id: str, digest: str) -> int:
    """Writes the rescore in one transaction, provided the marks are still those previewed; each
    grade keeps its status. Returns the number of candidates whose points or grade changed."""
    with collector.paused(), transaction() as session:
        outcome, current, _, revision = compute(session, params)
        if current != digest:
            raise RescoreRefused(
                f"the marks of {params.occasion_uid} changed after the preview was shown; preview again"
            )
        return write(session, params, outcome, approver_id, totals_current=revision.totals_current)


def write(
    session: Session, params: Rescore, outcome: RescoreOutcome, approver_id: str, *, totals_current: bool
) -> int:
    """The marks of the question, the question, every candidate's points/percent/grade, their point
    totals (only the moved ones where the totals were current, else summed again), and one audit
    event for the question and one per candidate whose points or grade changed."""
    q = outcome.question
    rescoring.save_marks(session, outcome.marks)
    rescoring.save_question(
        session,
        occasion_id=params.occasion_uid,
        question_id=q.question_id,
        weight=q.weight_after,
        accepted=q.accepted_after,
    )
    columns = {name: values.to_numpy() for name, values in outcome.candidates.items()}
    _save_points(session, params.occasion_uid, columns, totals_current=totals_current)
    changed = rows_of(columns, columns["changed"], CHANGE_COLUMNS)
    _audit(session, params, outcome, approver_id, changed)
    return len(changed)


def _save_points(
    session: Session, occasion_id: str, columns: dict[str, np.ndarray], *, totals_current: bool
) -> None:
    """Every regraded candidate's points/percent/grade, then their point totals."""
    regraded = columns["changed"] | (columns["percent_before"] != columns["percent_after"])
    grades = ["registration_id", "points_after", "percent_after", "grade_after"]
    rescoring.save_grades(session, rows_of(columns, regraded, grades))
    if totals_current:
        moved = columns["total_before"] != columns["total_after"]
        point_totals.save(session, rows_of(columns, moved, ["total_after", "registration_id"]))
        point_totals.stamp(session, occasion_id=occasion_id)
    else:
        point_totals.refresh(session, occasion_id=occasion_id)


def _audit(
    session: Session,
    params: Rescore,
    outcome: RescoreOutcome,
    approver_id: str,
    changed: list[tuple[Any, ...]],
) -> None:
    """One audit event for the question and one per candidate whose points or grade changed."""
    q = outcome.question
    base = {"question": q.number, "kind": params.kind.value, "reason": params.reason}
    audit.record_many(
        session,
        occasion_id=params.occasion_uid,
        actor=approver_id,
        action="question.rescored",
        details=[
            {
                **base,
                "weight": [q.weight_before, q.weight_after],
                "accepted": q.accepted_after,
                "max_points": [outcome.max_before, outcome.max_after],
                "marks_changed": len(outcome.marks),
                "candidates_changed": len(changed),
            }
        ],
    )
    audit.record_many(
        session,
        occasion_id=params.occasion_uid,
        actor=approver_id,
        action="grade.rescored",
        details=[
            {**base, "candidate": c, "points": [pb, pa], "grade": [gb, ga]} for c, pb, pa, gb, ga in changed
        ],
    )


def rows_of(columns: dict[str, np.ndarray], where: np.ndarray, names: list[str]) -> list[tuple[Any, ...]]:
    """The `names` columns of the rows `where` holds, as tuples of plain Python values."""
    return list(zip(*(columns[name][where].tolist() for name in names), strict=True))
