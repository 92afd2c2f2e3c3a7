"""Rescoring one question for every candidate: key corrections, reweights, voids, the Swedish guard,
and refusals that name what is wrong.

The exam: q1 choice (1 point, key B), q2 choice (2 points), q3 manual (7 points), each weight 1, so
10 points; A-F thresholds A 89, B 77, C 65, D 53, E 41 %.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from models.domain import Country
from models.grading import GradingSettings
from models.params import Rescore, RescoreKind
from rules.grades import Scale, Thresholds, thresholds_for
from rules.rescoring import MARK_COLUMNS, RescoreRefused, guard, rescore

QUESTIONS = {1: ("q1", "choice", 1.0), 2: ("q2", "choice", 2.0), 3: ("q3", "manual", 7.0)}
# candidate -> stored grade, and per question (response, auto_score, manual_score)
CANDIDATES: dict[str, tuple[str, list[tuple[str | None, float | None, float | None]]]] = {
    "X-0001": ("B", [("C", 0.0, None), ("A", 2.0, None), (None, None, 6.0)]),  # 8 points, 80 %: B
    "X-0002": ("D", [("B", 1.0, None), ("B", 0.0, None), (None, None, 4.0)]),  # 5 points earn E; set to D
    "X-0003": ("C", [("C", 0.0, 0.5), ("B", 0.0, None), (None, None, 6.0)]),  # a grader gave q1 0.5: C
    "X-0004": ("F", [("b, c", 0.0, None), ("A", 2.0, None), (None, None, 2.0)]),  # 4 points, 40 %: F
    "X-0005": ("D", [("A,C", 0.0, None), ("A", 2.0, None), (None, None, 4.0)]),  # 6 points: D
}


def marks(weights: dict[int, float] | None = None) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for i, (code, (grade, answers)) in enumerate(CANDIDATES.items(), start=1):
        for number, (response, auto, manual) in enumerate(answers, start=1):
            question_id, kind, max_score = QUESTIONS[number]
            rows.append(
                dict(
                    registration_id=i,
                    anonymisation_code=code,
                    question_id=question_id,
                    number=number,
                    kind=kind,
                    max_score=max_score,
                    weight=(weights or {}).get(number, 1.0),
                    accepted=None,
                    auto_score=auto,
                    manual_score=manual,
                    response=response,
                    score=manual if manual is not None else auto,
                    grade=grade,
                )
            )
    return pd.DataFrame(rows, columns=list(MARK_COLUMNS)).astype({"auto_score": float, "manual_score": float})


def change(kind: RescoreKind, number: int = 1, **fields: Any) -> Rescore:
    return Rescore(occasion_uid="occ", question_number=number, kind=kind, reason="an error found", **fields)


AF = Thresholds(scale=Scale.AF)


def by_code(frame: pd.DataFrame, *columns: str) -> dict[str, tuple[Any, ...]]:
    return {r[0]: tuple(r[1:]) for r in frame[["anonymisation_code", *columns]].itertuples(index=False)}


@pytest.mark.parametrize(
    ("rescored", "max_after", "expected", "counts"),
    [
        pytest.param(
            change(RescoreKind.KEY, accept=["B", "C"]),
            10.0,
            {
                "X-0001": (8.0, 9.0, "B", "A"),  # C now accepted: 90 % is an A
                "X-0002": (5.0, 5.0, "D", "D"),  # B was right already; the grade set by hand stays
                "X-0003": (6.5, 6.5, "C", "C"),  # the grader's own 0.5 wins over the new key
                "X-0004": (4.0, 5.0, "F", "E"),  # 'b, c' is B and C, both accepted: 50 %
                "X-0005": (6.0, 6.0, "D", "D"),  # A is not accepted, so 'A,C' earns nothing
            },
            (2, 0, 3),
            id="key",
        ),
        pytest.param(
            change(RescoreKind.WEIGHT, number=3, weight=0.5),
            6.5,
            {
                "X-0001": (8.0, 5.0, "B", "C"),  # 76.92 %
                "X-0002": (5.0, 3.0, "D", "D"),  # earns E before and after (46.15 %): the set D stays
                "X-0003": (6.5, 3.5, "C", "D"),  # 53.85 %
                "X-0004": (4.0, 3.0, "F", "E"),  # 46.15 %
                "X-0005": (6.0, 4.0, "D", "D"),  # 61.54 %
            },
            (1, 2, 2),
            id="weight",
        ),
        pytest.param(
            change(RescoreKind.VOID, number=2),
            8.0,
            {
                "X-0001": (8.0, 6.0, "B", "C"),  # 75 %
                "X-0002": (5.0, 5.0, "D", "D"),  # 62.5 % now earns D, as set by hand
                "X-0003": (6.5, 6.5, "C", "B"),  # 81.25 %
                "X-0004": (4.0, 2.0, "F", "F"),  # 25 %
                "X-0005": (6.0, 4.0, "D", "E"),  # 50 %
            },
            (1, 2, 2),
            id="void",
        ),
    ],
)
def test_rescore_changes_points_and_grades(
    rescored: Rescore, max_after: float, expected: dict[str, tuple[Any, ...]], counts: tuple[int, int, int]
) -> None:
    outcome = rescore(marks(), rescored, AF)
    assert outcome.max_before == 10.0
    assert outcome.max_after == max_after
    got = by_code(outcome.candidates, "points_before", "points_after", "grade_before", "grade_after")
    assert got == expected
    assert tuple(outcome.counts().values()) == counts
    changed = {c for c, (pb, pa, gb, ga) in expected.items() if pb != pa or gb != ga}
    assert set(outcome.candidates.anonymisation_code[outcome.candidates.changed]) == changed


def test_key_correction_rescores_only_the_marks_it_changes_and_records_the_key() -> None:
    outcome = rescore(marks(), change(RescoreKind.KEY, accept=["C", "B", "C"]), AF)
    assert outcome.question.accepted_after == "B,C"
    assert outcome.question.weight_after == outcome.question.weight_before == 1.0
    new = {
        (r, a, s)
        for r, a, s in outcome.marks[["registration_id", "auto_score", "score"]].itertuples(index=False)
    }
    # X-0001 and X-0004 now earn the point; X-0003's auto score moves but the grader's 0.5 stands
    assert new == {(1, 1.0, 1.0), (3, 1.0, 0.5), (4, 1.0, 1.0)}
    assert set(outcome.marks.question_id) == {"q1"}


@pytest.mark.parametrize(
    ("rescored", "weights"),
    [
        (change(RescoreKind.WEIGHT, number=3, weight=0.5), {3: 0.5}),
        (change(RescoreKind.VOID, number=2), {2: 0.0}),
    ],
)
def test_weight_and_void_change_no_mark_only_the_question(
    rescored: Rescore, weights: dict[int, float]
) -> None:
    outcome = rescore(marks(), rescored, AF)
    assert outcome.marks.empty
    ((number, weight),) = weights.items()
    assert (outcome.question.number, outcome.question.weight_after) == (number, weight)
    # the same exam stored with that weight from the start gives the same points
    direct = (
        marks(weights).assign(points=lambda f: f.score * f.weight).groupby("anonymisation_code").points.sum()
    )
    assert by_code(outcome.candidates, "points_after") == {c: (p,) for c, p in direct.round(2).items()}


@pytest.mark.parametrize(
    ("country", "published", "refused"),
    [
        (Country.SE, True, True),
        (Country.SE, False, False),  # before publication the examiner adjusts freely
        (Country.NO, True, False),  # Norway: a new assessment may lower
        (Country.NO, False, False),
    ],
)
def test_guard_refuses_lowering_a_published_swedish_grade_naming_every_candidate(
    country: Country, published: bool, refused: bool
) -> None:
    outcome = rescore(marks(), change(RescoreKind.VOID, number=2), AF)  # lowers X-0001 and X-0005
    if not refused:
        guard(country, published, outcome.candidates)
        return
    with pytest.raises(RescoreRefused) as caught:
        guard(country, published, outcome.candidates)
    message = str(caught.value)
    assert "X-0001 (B → C)" in message and "X-0005 (D → E)" in message
    assert "lower 2" in message and "X-0003" not in message


def test_guard_lets_a_published_swedish_grade_rise() -> None:
    outcome = rescore(marks(), change(RescoreKind.KEY, accept=["B", "C"]), AF)
    guard(Country.SE, True, outcome.candidates)
    assert outcome.counts()["lowered"] == 0


@pytest.mark.parametrize(
    ("rescored", "weights", "names"),
    [
        (change(RescoreKind.KEY, number=3, accept=["B"]), None, ["question 3 is a manual question"]),
        (change(RescoreKind.KEY, number=9, accept=["B"]), None, ["question 9 is not on the exam", "1-3"]),
        (change(RescoreKind.KEY, accept=["AB", "c"]), None, ["'AB'", "'c'"]),
        (change(RescoreKind.KEY), None, ["needs the accepted alternatives"]),
        (change(RescoreKind.KEY, accept=["B"], weight=2), None, ["'weight' is for a weight change only"]),
        (change(RescoreKind.WEIGHT, number=3), None, ["needs the new 'weight'"]),
        (change(RescoreKind.VOID, number=2, accept=["B"]), None, ["'accept' is for a key correction only"]),
        (change(RescoreKind.VOID, number=2), {2: 0.0}, ["question 2 is void already"]),
        (change(RescoreKind.VOID, number=3), {1: 0.0, 2: 0.0}, ["leaves the exam with no points"]),
    ],
)
def test_refusals_name_what_is_wrong(
    rescored: Rescore, weights: dict[int, float] | None, names: list[str]
) -> None:
    with pytest.raises(RescoreRefused) as caught:
        rescore(marks(weights), rescored, AF)
    for name in names:
        assert name in str(caught.value)


def test_unknown_question_names_the_numbers_that_exist_as_ranges() -> None:
    frame = marks()
    frame = frame[frame.number != 2]
    with pytest.raises(RescoreRefused, match=r"question 2 is not on the exam; its questions are 1, 3$"):
        rescore(frame, change(RescoreKind.VOID, number=2), AF)


def test_thresholds_come_from_the_exam_settings_on_the_occasions_scale() -> None:
    own = thresholds_for("A-F", GradingSettings(thresholds={"A": 90, "B": 80, "C": 70, "D": 60, "E": 50}))
    assert own.minimums["E"] == 50 and own.scale is Scale.AF
    assert thresholds_for("P/F", GradingSettings()).minimums == {"P": 41}
    # under the stricter thresholds X-0004's 50 % after the key correction is an E, X-0001's 90 % an A
    outcome = rescore(marks(), change(RescoreKind.KEY, accept=["B", "C"]), own)
    assert by_code(outcome.candidates, "grade_after")["X-0001"] == ("A",)
    assert by_code(outcome.candidates, "grade_after")["X-0004"] == ("E",)
