"""Rescoring one question for every candidate at once: a corrected key, a new weight, or a void.

Vectorised over the exam's marks (one row per candidate and question). Points are
`sum(score * weight)` rounded to 2 decimals, out of `sum(max_score * weight)`, as at grading.
A candidate keeps their current grade unless the rescore moves the grade their points earn: a
grade set by hand since (a correction, a reconsideration) is not undone by an unrelated change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.domain import Country
from models.grading import MARK_COLUMNS
from models.params import Rescore, RescoreKind
from rules.grades import Thresholds, grades_for_points
from rules.law import SOURCE_SE_RECONSIDERATION

ALTERNATIVE = re.compile(r"^[A-Z]$")


class RescoreRefused(ValueError):
    """The rescore cannot be made as asked; the message says why, naming what is wrong."""


@dataclass(frozen=True)
class QuestionChange:
    question_id: str
    number: int
    weight_before: float
    weight_after: float
    accepted_after: str | None


@dataclass(frozen=True)
class RescoreOutcome:
    """What one change does. `marks`: the marks whose score changes (registration_id, question_id,
    auto_score, score). `candidates`: one row per candidate with points, percent and grade before and
    after, `direction` (+1 raised, -1 lowered, 0 same grade) and `changed` (points or grade moved)."""

    question: QuestionChange
    marks: pd.DataFrame
    candidates: pd.DataFrame
    max_before: float
    max_after: float

    def counts(self) -> dict[str, int]:
        direction = self.candidates.direction
        return {
            "raised": int((direction > 0).sum()),
            "lowered": int((direction < 0).sum()),
            "unchanged": int((direction == 0).sum()),
        }


def rescore(marks: pd.DataFrame, change: Rescore, thresholds: Thresholds) -> RescoreOutcome:
    """The new scores, points and grades of every candidate under `change` (nothing is written)."""
    missing = [c for c in MARK_COLUMNS if c not in marks.columns]
    if missing:
        raise ValueError(f"the marks frame lacks column(s) {', '.join(missing)}")
    _check_params(change)
    question = _question(marks, change)
    on_question = (marks.question_id == question.question_id).to_numpy()
    weight = marks.weight.where(~on_question, question.weight_after)
    auto, score = _scores(marks, on_question, change)
    max_before, max_after = _max_points(marks, question)
    candidates = _candidates(
        marks,
        before=marks.score * marks.weight,
        after=score * weight,
        max_points=(max_before, max_after),
        thresholds=thresholds,
    )
    moved = on_question & ~(_same(auto, marks.auto_score) & _same(score, marks.score))
    new_marks = pd.DataFrame(
        {
            "registration_id": marks.registration_id[moved],
            "question_id": marks.question_id[moved],
            "auto_score": auto[moved],
            "score": score[moved],
        }
    ).reset_index(drop=True)
    return RescoreOutcome(question, new_marks, candidates, max_before, max_after)


def guard(country: Country | str, published: bool, candidates: pd.DataFrame) -> None:
    """Once a Swedish exam's grades are published, reconsideration may only raise a grade: refuses,
    naming every candidate whose grade would fall. Norway (and any exam before publication) may."""
    if Country(country) is not Country.SE or not published:
        return
    lowered = candidates[candidates.direction < 0]
    if len(lowered):
        names = ", ".join(
            f"{c} ({b} → {a})"
            for c, b, a in zip(
                lowered.anonymisation_code, lowered.grade_before, lowered.grade_after, strict=True
            )
        )
        raise RescoreRefused(
            f"the grades are published, and in Sweden a reconsideration may only raise a grade "
            f"({SOURCE_SE_RECONSIDERATION}); this change would lower {len(lowered)}: {names}"
        )


def _check_params(change: Rescore) -> None:
    if change.kind is RescoreKind.KEY:
        if not change.accept:
            raise RescoreRefused(
                "a key correction needs the accepted alternatives in 'accept', e.g. ['B', 'C']"
            )
        bad = [a for a in change.accept if not ALTERNATIVE.match(a)]
        if bad:
            raise RescoreRefused(f"'accept' takes single alternatives A-Z; not {', '.join(map(repr, bad))}")
    elif change.accept:
        raise RescoreRefused(f"'accept' is for a key correction only, not for {change.kind.value}")
    if change.kind is RescoreKind.WEIGHT and change.weight is None:
        raise RescoreRefused("a weight change needs the new 'weight'")
    if change.kind is not RescoreKind.WEIGHT and change.weight is not None:
        raise RescoreRefused(f"'weight' is for a weight change only, not for {change.kind.value}")


def _question(marks: pd.DataFrame, change: Rescore) -> QuestionChange:
    questions = marks.drop_duplicates("question_id").set_index("number")
    if change.question_number not in questions.index:
        raise RescoreRefused(
            f"question {change.question_number} is not on the exam; its questions are "
            f"{_ranges(sorted(questions.index)) or 'none (no marks)'}"
        )
    row = questions.loc[change.question_number]
    if change.kind is RescoreKind.KEY and row.kind != "choice":
        raise RescoreRefused(
            f"question {change.question_number} is a {row.kind} question; only a choice question's key "
            "can be corrected"
        )
    if change.kind is RescoreKind.VOID and row.weight == 0:
        raise RescoreRefused(f"question {change.question_number} is void already")
    after = {RescoreKind.KEY: row.weight, RescoreKind.WEIGHT: change.weight, RescoreKind.VOID: 0.0}
    accepted = ",".join(sorted(set(change.accept))) if change.kind is RescoreKind.KEY else row.accepted
    return QuestionChange(
        question_id=str(row.question_id),
        number=change.question_number,
        weight_before=float(row.weight),
        weight_after=float(after[change.kind] or 0.0),
        accepted_after=None if pd.isna(accepted) else accepted,
    )


def _scores(marks: pd.DataFrame, on_question: np.ndarray, change: Rescore) -> tuple[pd.Series, pd.Series]:
    """Auto and final scores after a key correction: a response whose chosen alternatives are all
    accepted earns the question's max score, any other 0; a grader's own score still wins."""
    if change.kind is not RescoreKind.KEY:
        return marks.auto_score, marks.score
    pattern = "|".join(sorted(set(change.accept)))
    question = marks[on_question]
    responses = question.response.fillna("").str.upper().str.replace(" ", "", regex=False)
    right = responses.str.fullmatch(f"(?:{pattern})(?:,(?:{pattern}))*").fillna(False).to_numpy(dtype=bool)
    auto, score = marks.auto_score.copy(), marks.score.copy()
    auto[on_question] = np.where(right, question.max_score, 0.0)
    score[on_question] = question.manual_score.fillna(auto[on_question]).to_numpy()
    return auto, score


def _max_points(marks: pd.DataFrame, question: QuestionChange) -> tuple[float, float]:
    questions = marks.drop_duplicates("question_id")
    before = float((questions.max_score * questions.weight).sum())
    weight = questions.weight.where(questions.question_id != question.question_id, question.weight_after)
    after = float((questions.max_score * weight).sum())
    if not after > 0:
        raise RescoreRefused(f"after this change question {question.number} leaves the exam with no points")
    return before, after


def _candidates(
    marks: pd.DataFrame,
    *,
    before: pd.Series,
    after: pd.Series,
    max_points: tuple[float, float],
    thresholds: Thresholds,
) -> pd.DataFrame:
    by = marks.registration_id
    first = marks.drop_duplicates("registration_id").set_index("registration_id")
    points = pd.DataFrame({"before": before.groupby(by).sum(), "after": after.groupby(by).sum()}).round(2)
    earned_before = grades_for_points(points.before, max_points[0], thresholds).astype(str)
    earned_after = grades_for_points(points.after, max_points[1], thresholds).astype(str)
    grade_before = first.grade.reindex(points.index).fillna(earned_before).astype(str)
    grade_after = grade_before.where(earned_after == earned_before, earned_after)
    rank = {g: i for i, g in enumerate(thresholds.scale.grades)}
    direction = np.sign(grade_after.map(rank) - grade_before.map(rank)).fillna(0).astype(int)
    return pd.DataFrame(
        {
            "registration_id": points.index,
            "anonymisation_code": first.anonymisation_code.reindex(points.index).to_numpy(),
            "points_before": points.before.to_numpy(),
            "points_after": points.after.to_numpy(),
            "percent_before": (points.before / max_points[0] * 100).round(2).to_numpy(),
            "percent_after": (points.after / max_points[1] * 100).round(2).to_numpy(),
            "grade_before": grade_before.to_numpy(),
            "grade_after": grade_after.to_numpy(),
            "direction": direction.to_numpy(),
            "changed": ((points.before != points.after) | (grade_before != grade_after)).to_numpy(),
        }
    )


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    return ((a == b) | (a.isna() & b.isna())).to_numpy(dtype=bool)


def _ranges(numbers: list[int]) -> str:
    """'1-4, 7, 9-10' for [1, 2, 3, 4, 7, 9, 10]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
