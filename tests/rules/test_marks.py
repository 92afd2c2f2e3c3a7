"""Marks from the platform's results (the graders' mean score, else the auto score, else nothing)
and the grades they propose: weighted points against the weighted maximum, under the thresholds."""

from __future__ import annotations

from datetime import date

import pytest

from models.results import CandidateResult, ManualScore, QuestionResult
from rules.grades import Scale, Thresholds
from rules.marks import grader_marks_frame, marks_frame, propose_grades

DAY = date(2026, 10, 20)


def essay(auto: float | None = None, *scores: tuple[str, float]) -> QuestionResult:
    manual = tuple(ManualScore(grader_name=name, score=score) for name, score in scores)
    return QuestionResult(
        question_id="q-essay", number=2, max_score=10, weight=2, auto_score=auto, manual_scores=manual
    )


CHOICE = QuestionResult(
    question_id="q-choice", number=1, max_score=5, weight=1, auto_score=4, responses=("b", "d")
)


def candidate(user: str, *questions: QuestionResult, attended: bool = True) -> CandidateResult:
    return CandidateResult(
        candidate_id=f"c-{user}",
        external_user_id=user,
        attended=attended,
        total_score=None,
        extra_time_minutes=0,
        started_at=None,
        ended_at=None,
        questions=questions,
    )


RESULTS = [
    candidate("u1", CHOICE, essay(None, ("Ada", 6), ("Bo", 9))),
    candidate("u2", CHOICE, essay(None)),
    candidate("u3", CHOICE, essay(None, ("Ada", 10)), attended=False),
]
HELD = {"u1": 11, "u2": 12, "u3": 13}


def test_a_mark_is_the_graders_mean_else_the_auto_score_else_nothing() -> None:
    marks = marks_frame(RESULTS, HELD, "occ-1")
    got = marks[["registration_id", "question_id", "kind", "score"]].values.tolist()
    assert got == [
        [11, "q-choice", "choice", 4.0],
        [11, "q-essay", "manual", 7.5],
        [12, "q-choice", "choice", 4.0],
        [12, "q-essay", "manual", 0.0],
    ]
    assert [r if isinstance(r, str) else None for r in marks.response] == ["b,d", None, "b,d", None]
    assert set(marks.occasion_id) == {"occ-1"}


def test_each_graders_own_score_is_kept_under_their_staff_id() -> None:
    frame = grader_marks_frame(RESULTS, HELD, "occ-1", {"Ada": "staff-a", "Bo": "staff-b"})
    assert frame[["registration_id", "staff_id", "score"]].values.tolist() == [
        [11, "staff-a", 6.0],
        [11, "staff-b", 9.0],
    ]


def test_grades_are_proposed_from_weighted_points() -> None:
    marks = marks_frame(RESULTS, HELD, "occ-1")
    grades, max_points = propose_grades(marks, Thresholds(scale=Scale.AF), {11: DAY, 12: DAY})
    assert max_points == pytest.approx(25.0)  # 5 * 1 + 10 * 2
    got = grades[["registration_id", "points", "percent", "grade", "exam_date", "status"]].values.tolist()
    assert got == [[11, 19.0, 76.0, "C", DAY, "proposed"], [12, 4.0, 16.0, "F", DAY, "proposed"]]
