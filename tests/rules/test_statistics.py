from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rules.grades import Scale, grades_for_points
from rules.statistics import QUESTION_COLUMNS, bar_chart, grade_distribution, question_statistics

# question id -> (number, max_score, weight, scores of registrations 1..4); q3 is constant.
QUESTIONS = {
    "q2": (2, 4.0, 1.0, [4.0, 3.0, 1.0, 0.0]),
    "q1": (1, 2.0, 1.0, [2.0, 2.0, 1.0, 0.0]),
    "q3": (3, 1.0, 1.0, [1.0, 1.0, 1.0, 1.0]),
}


def marks(questions: dict[str, tuple[int, float, float, list[float]]]) -> pd.DataFrame:
    rows = [
        {"registration_id": r + 1, "question_id": q, "number": n, "max_score": m, "weight": w, "score": s}
        for q, (n, m, w, scores) in questions.items()
        for r, s in enumerate(scores)
    ]
    return pd.DataFrame(rows)


def item_rest(questions: dict[str, tuple[int, float, float, list[float]]], question: str) -> float:
    """The reference: pandas' own Pearson between a question and the weighted rest."""
    weighted = {q: np.array(s) * w for q, (_, _, w, s) in questions.items()}
    rest = sum(v for q, v in weighted.items() if q != question)
    return float(pd.Series(questions[question][3]).corr(pd.Series(rest)))


def test_question_statistics_in_number_order() -> None:
    stats = question_statistics(marks(QUESTIONS)).set_index("question_id")
    assert list(stats.index) == ["q1", "q2", "q3"]
    assert list(stats.reset_index().columns) == QUESTION_COLUMNS
    assert stats.loc["q1", ["mean", "mean_share", "full_marks_share"]].tolist() == [1.25, 0.625, 0.5]
    assert stats.loc["q2", ["mean", "mean_share", "full_marks_share"]].tolist() == [2.0, 0.5, 0.25]
    assert stats.loc["q3", ["mean", "mean_share", "full_marks_share"]].tolist() == [1.0, 1.0, 1.0]
    assert stats.loc["q1", "discrimination"] == pytest.approx(item_rest(QUESTIONS, "q1"))
    assert stats.loc["q2", "discrimination"] == pytest.approx(item_rest(QUESTIONS, "q2"))
    assert 0.9 < stats.loc["q1", "discrimination"] < 1
    assert math.isnan(stats.loc["q3", "discrimination"])  # constant: no correlation, no error


def test_the_rest_total_is_weighted_and_leaves_the_question_out() -> None:
    weighted = {**QUESTIONS, "q2": (2, 4.0, 2.0, [0.0, 4.0, 1.0, 3.0])}
    stats = question_statistics(marks(weighted)).set_index("question_id")
    assert stats.loc["q1", "discrimination"] == pytest.approx(item_rest(weighted, "q1"))
    assert stats.loc["q2", "discrimination"] == pytest.approx(item_rest(weighted, "q2"))


def test_a_missing_mark_counts_zero() -> None:
    frame = marks(QUESTIONS)
    dropped = frame[~((frame.registration_id == 4) & (frame.question_id == "q2"))]
    pd.testing.assert_frame_equal(question_statistics(dropped), question_statistics(frame))


def test_one_candidate_gives_no_discrimination() -> None:
    stats = question_statistics(marks({"q1": (1, 2.0, 1.0, [2.0]), "q2": (2, 2.0, 1.0, [1.0])}))
    assert stats["mean"].tolist() == [2.0, 1.0]
    assert stats["discrimination"].isna().all()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (marks(QUESTIONS).drop(columns=["weight"]), "marks lack column\\(s\\): weight"),
        (
            pd.concat([marks(QUESTIONS), marks(QUESTIONS).iloc[[5]]]),
            "1 mark\\(s\\) repeated, first registration 2 question q1",
        ),
    ],
)
def test_bad_marks_are_refused(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        question_statistics(frame)


def test_question_statistics_are_vectorised() -> None:
    rng = np.random.default_rng(3)
    n, q = 2000, 40
    ability = rng.uniform(0, 1, n)
    questions = {
        f"q{k:02d}": (k, 5.0, 1.0, list(np.clip(np.round(ability * 5 + rng.normal(0, 1, n)), 0, 5)))
        for k in range(1, q + 1)
    }
    frame = marks(questions)
    stats = question_statistics(frame)
    assert len(stats) == q
    assert (stats["discrimination"] > 0.3).all()  # every item tracks the same ability
    assert stats.loc[6, "discrimination"] == pytest.approx(item_rest(questions, "q07"))


def test_grade_distribution_lists_every_grade_highest_first() -> None:
    grades = grades_for_points(pd.Series([60.0, 50.0, 48.0, None, 10.0]), 60)
    table = grade_distribution(grades, Scale.AF, width=10)
    assert table["grade"].tolist() == ["A", "B", "C", "D", "E", "FX", "F"]
    assert table["count"].tolist() == [1, 2, 0, 0, 0, 0, 1]
    assert table["share"].tolist() == [0.25, 0.5, 0, 0, 0, 0, 0.25]
    assert table["bar"].tolist() == ["█" * 5, "█" * 10, "", "", "", "", "█" * 5]


def test_a_small_count_still_gets_a_bar() -> None:
    table = grade_distribution(pd.Series(["P"] * 100 + ["F"]), Scale.PASS_FAIL, width=10)
    assert table["bar"].tolist() == ["█" * 10, "█"]


def test_no_grades_lists_zeros() -> None:
    table = grade_distribution(pd.Series([], dtype=object), Scale.UGVG)
    assert table[["grade", "count", "share"]].to_dict("list") == {
        "grade": ["VG", "G", "U"],
        "count": [0, 0, 0],
        "share": [0.0, 0.0, 0.0],
    }


def test_grades_off_the_scale_are_refused() -> None:
    with pytest.raises(ValueError, match=r"grade\(s\) A, Q not on scale P/F \(F, P\)"):
        grade_distribution(pd.Series(["P", "Q", "A"]), Scale.PASS_FAIL)


def test_bar_chart_for_markdown() -> None:
    table = grade_distribution(pd.Series(["5", "4", "4", "U"]), Scale.U345, width=4)
    assert bar_chart(table) == "\n".join(
        ["```", "5 ██ 1 (25.0%)", "4 ████ 2 (50.0%)", "3 0 (0.0%)", "U ██ 1 (25.0%)", "```"]
    )


def test_no_marks_no_rows() -> None:
    stats = question_statistics(pd.DataFrame([], columns=list(marks(QUESTIONS).columns)))
    assert stats.empty and list(stats.columns) == QUESTION_COLUMNS
