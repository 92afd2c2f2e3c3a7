"""The platform's results as marks (one per candidate and question, and one per grader), and the
grades the marks propose under the exam's thresholds."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from models.results import CandidateResult, QuestionResult
from rules.grades import Thresholds, grades_for_points

MARK_COLUMNS = [
    "registration_id",
    "question_id",
    "number",
    "max_score",
    "weight",
    "kind",
    "auto_score",
    "manual_score",
    "response",
]


def _mark(registration_id: int, q: QuestionResult) -> tuple[object, ...]:
    manual = [m.score for m in q.manual_scores]
    choice = q.auto_score is not None
    return (
        registration_id,
        q.question_id,
        q.number,
        q.max_score,
        q.weight,
        "choice" if choice else "manual",
        q.auto_score,
        sum(manual) / len(manual) if manual else None,
        ",".join(q.responses)[:200] or None if choice else None,
    )


def marks_frame(results: list[CandidateResult], held: dict[str, int], occasion_id: str) -> pd.DataFrame:
    """One row per (candidate, question): the graders' mean score where given, else the auto score.
    A choice question keeps the candidate's answer, so a corrected key can rescore it."""
    rows = [_mark(held[r.external_user_id], q) for r in results if r.attended for q in r.questions]
    frame = pd.DataFrame(rows, columns=MARK_COLUMNS)
    frame["score"] = frame["manual_score"].fillna(frame["auto_score"]).fillna(0.0)
    return frame.assign(occasion_id=occasion_id)


def grader_marks_frame(
    results: list[CandidateResult], held: dict[str, int], occasion_id: str, staff_ids: Mapping[str, str]
) -> pd.DataFrame:
    """One row per (candidate, question, grader) with that grader's own score; `staff_ids` maps the
    export's grader names to staff ids."""
    rows = [
        (held[r.external_user_id], q.question_id, staff_ids[m.grader_name], m.score)
        for r in results
        if r.attended
        for q in r.questions
        for m in q.manual_scores
    ]
    frame = pd.DataFrame(rows, columns=["registration_id", "question_id", "staff_id", "score"])
    return frame.assign(occasion_id=occasion_id)


def propose_grades(
    marks: pd.DataFrame, thresholds: Thresholds, exam_dates: Mapping[int, object]
) -> tuple[pd.DataFrame, float]:
    """Weighted points per candidate and the grade they earn under the exam's thresholds."""
    questions = marks.drop_duplicates("question_id")
    max_points = float((questions.max_score * questions.weight).sum())
    points = (marks.score * marks.weight).groupby(marks.registration_id).sum().round(2)
    grades = grades_for_points(points, max_points, thresholds)
    frame = pd.DataFrame(
        {
            "registration_id": points.index,
            "points": points.to_numpy(),
            "percent": (points / max_points * 100).round(2).to_numpy(),
            "grade": grades.astype(str).to_numpy(),
        }
    )
    frame["exam_date"] = frame.registration_id.map(exam_dates)
    return frame.assign(status="proposed"), max_points
