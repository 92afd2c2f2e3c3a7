"""Rescoring a question for every candidate at once: previewed, then applied as previewed."""

from __future__ import annotations

import pandas as pd
from prefect import task
from pydantic import Field
from sqlalchemy.orm import Session

from models.domain import Frozen
from models.params import Rescore
from rules.grades import thresholds_for
from rules.rescoring import RescoreOutcome, RescoreRefused, guard, question_change, rescore_question
from store import audit, exam_settings, occasions, rescoring, transfer
from store.db import transaction
from tasks.common import REPLAY_SAFE

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


def compute(session: Session, params: Rescore) -> tuple[RescoreOutcome, str, bool]:
    """The rescore's outcome over the occasion as it stands, the digest of what it was computed from,
    and whether the exam is published; refused by the law's guard before anything is written. Only
    the question's marks are read, and the other questions' points of the candidates whose points
    may move, summed in the database (see rules.rescoring). The digest takes in the marks' revision,
    read (and locked) first, so it moves with a write to any mark of the occasion, read here or not."""
    revision = rescoring.marks_revision(session, occasion_id=params.occasion_uid)
    occasion = occasions.get(session, params.occasion_uid)
    thresholds = thresholds_for(occasion.scale, exam_settings.get(session, occasion_id=params.occasion_uid))
    questions = rescoring.questions_frame(session, occasion_id=params.occasion_uid)
    question = question_change(questions, params)
    marks, candidates = rescoring.question_marks_and_candidates(
        session, occasion_id=params.occasion_uid, question_id=question.question_id
    )

    def others(question_id: str, asked: pd.Index | None) -> pd.Series:
        return rescoring.other_points(
            session, occasion_id=params.occasion_uid, question_id=question_id, registration_ids=asked
        )

    outcome = rescore_question(
        question, params, marks=marks, candidates=candidates, others=others, thresholds=thresholds
    )
    published = transfer.published(session, occasion_id=params.occasion_uid)
    guard(occasion.country, published, outcome.candidates)
    revisions = pd.DataFrame({"marks": [revision]})
    return outcome, rescoring.digest(revisions, questions, marks, candidates, outcome.candidates), published


@task(name="preview-rescore", **REPLAY_SAFE)
def preview_rescore(params: Rescore) -> RescorePreview:
    """Computes the rescore without writing anything."""
    with transaction() as session:
        outcome, digest, published = compute(session, params)
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
    with transaction() as session:
        outcome, current, _ = compute(session, params)
        if current != digest:
            raise RescoreRefused(
                f"the marks of {params.occasion_uid} changed after the preview was shown; preview again"
            )
        return write(session, params, outcome, approver_id)


def write(session: Session, params: Rescore, outcome: RescoreOutcome, approver_id: str) -> int:
    """The marks of the question, the question, every candidate's points/percent/grade, and one audit
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
    candidates = outcome.candidates
    moved = candidates[candidates.changed | (candidates.percent_before != candidates.percent_after)]
    rescoring.save_grades(
        session,
        moved.rename(columns={"points_after": "points", "percent_after": "percent", "grade_after": "grade"}),
    )
    changed = candidates[candidates.changed]
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
            {**base, "candidate": c, "points": [pb, pa], "grade": [gb, ga]}
            for c, pb, pa, gb, ga in changed[CHANGE_COLUMNS].itertuples(index=False)
        ],
    )
    return len(changed)
