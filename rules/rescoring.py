"""Rescoring one question for every candidate at once: a corrected key, a new weight, or a void.

Vectorised over the question's marks (one row per candidate). Points are `sum(score * weight)`
rounded to 2 decimals, out of `sum(max_score * weight)`, as at grading: a candidate's points on the
exam's other questions (summed from the marks as held, never carried over from an earlier total)
plus their score on the question times its weight (the same sum in another order: equal to a full
recomputation for scores and weights that are binary fractions, halves and quarters, as the
tests check on random exams). Only the candidates whose points may move are
computed: for a key correction those whose score on the question moves (the maximum stays), for a
weight change or a void everyone (the maximum moves).
A candidate keeps their current grade unless the rescore moves the grade their points earn: a
grade set by hand since (a correction, a reconsideration) is not undone by an unrelated change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.domain import Country
from models.grading import MARK_COLUMNS, QUESTION_COLUMNS, QUESTION_MARK_COLUMNS
from models.params import Rescore, RescoreKind
from rules.grades import Thresholds, grades_for_points
from rules.law import SOURCE_SE_RECONSIDERATION

ALTERNATIVE = re.compile(r"^[A-Z]$")

# The points of the given candidates (None: every candidate) on the exam's questions other than the
# one named, as a Series by registration_id; a candidate with no other mark may be left out.
OtherPoints = Callable[[str, "pd.Index | None"], pd.Series]


class RescoreRefused(ValueError):
    """The rescore cannot be made as asked; the message says why, naming what is wrong."""


@dataclass(frozen=True)
class QuestionChange:
    question_id: str
    number: int
    max_score: float
    weight_before: float
    weight_after: float
    accepted_after: str | None
    max_before: float
    max_after: float


@dataclass(frozen=True)
class RescoreOutcome:
    """What one change does. `marks`: the marks whose score changes (registration_id, question_id,
    auto_score, score). `candidates`: one row per candidate whose points may move (see the module's
    docstring; others given by the `OtherPoints` reader are computed too) with points, percent and
    grade before and after, `other_points` (unrounded, on the other questions), `direction` (+1
    raised, -1 lowered, 0 same grade) and `changed` (points or grade moved). `held`: how many
    candidates hold a mark on the exam."""

    question: QuestionChange
    marks: pd.DataFrame
    candidates: pd.DataFrame
    held: int

    @property
    def max_before(self) -> float:
        return self.question.max_before

    @property
    def max_after(self) -> float:
        return self.question.max_after

    def counts(self) -> dict[str, int]:
        direction = self.candidates.direction
        raised, lowered = int((direction > 0).sum()), int((direction < 0).sum())
        return {"raised": raised, "lowered": lowered, "unchanged": self.held - raised - lowered}


def rescore(marks: pd.DataFrame, change: Rescore, thresholds: Thresholds) -> RescoreOutcome:
    """The new scores, points and grades of every candidate under `change`, from a whole exam's marks
    (MARK_COLUMNS, one row per candidate and question): the full recomputation, in one frame."""
    missing = [c for c in MARK_COLUMNS if c not in marks.columns]
    if missing:
        raise ValueError(f"the marks frame lacks column(s) {', '.join(missing)}")
    question = question_change(marks.drop_duplicates("question_id")[list(QUESTION_COLUMNS)], change)
    weighted = marks.score * marks.weight

    def others(question_id: str, _asked: pd.Index | None) -> pd.Series:
        return weighted[marks.question_id != question_id].groupby(marks.registration_id).sum()

    return rescore_question(
        question,
        change,
        marks=marks[marks.question_id == question.question_id][list(QUESTION_MARK_COLUMNS)],
        candidates=marks.drop_duplicates("registration_id")[
            ["registration_id", "anonymisation_code", "grade"]
        ],
        others=others,
        thresholds=thresholds,
    )


def question_change(questions: pd.DataFrame, change: Rescore) -> QuestionChange:
    """The question `change` names, and its weight, key and the exam's maximum before and after;
    refused before any mark is read if the change cannot be made."""
    _check_params(change)
    by_number = questions.set_index("number")
    if change.question_number not in by_number.index:
        raise RescoreRefused(
            f"question {change.question_number} is not on the exam; its questions are "
            f"{_ranges(sorted(by_number.index)) or 'none (no marks)'}"
        )
    row = by_number.loc[change.question_number]
    if change.kind is RescoreKind.KEY and row.kind != "choice":
        raise RescoreRefused(
            f"question {change.question_number} is a {row.kind} question; only a choice question's key "
            "can be corrected"
        )
    if change.kind is RescoreKind.VOID and row.weight == 0:
        raise RescoreRefused(f"question {change.question_number} is void already")
    after = {RescoreKind.KEY: row.weight, RescoreKind.WEIGHT: change.weight, RescoreKind.VOID: 0.0}
    weight_after = float(after[change.kind] or 0.0)
    accepted = ",".join(sorted(set(change.accept))) if change.kind is RescoreKind.KEY else row.accepted
    weights = questions.weight.where(questions.number != change.question_number, weight_after)
    max_after = float((questions.max_score * weights).sum())
    if not max_after > 0:
        raise RescoreRefused(
            f"after this change question {change.question_number} leaves the exam with no points"
        )
    return QuestionChange(
        question_id=str(row.question_id),
        number=change.question_number,
        max_score=float(row.max_score),
        weight_before=float(row.weight),
        weight_after=weight_after,
        accepted_after=None if pd.isna(accepted) else accepted,
        max_before=float((questions.max_score * questions.weight).sum()),
        max_after=max_after,
    )


def rescore_question(
    question: QuestionChange,
    change: Rescore,
    *,
    marks: pd.DataFrame,
    candidates: pd.DataFrame,
    others: OtherPoints,
    thresholds: Thresholds,
) -> RescoreOutcome:
    """The outcome of `change` from the question's marks (QUESTION_MARK_COLUMNS), every candidate
    holding a mark (registration_id, anonymisation_code, grade) and their points on the other
    questions, asked of `others` only for the candidates whose points may move."""
    marks = marks.set_index("registration_id", drop=False)
    auto, score = _scores(marks, question, change)
    moved = ~(_same(auto, marks.auto_score) & _same(score, marks.score))
    new_marks = pd.DataFrame(
        {
            "registration_id": marks.registration_id[moved],
            "question_id": question.question_id,
            "auto_score": auto[moved],
            "score": score[moved],
        }
    ).reset_index(drop=True)
    own_before, own_after = marks.score * question.weight_before, score * question.weight_after
    asked = None if question.max_after != question.max_before else own_before.index[own_before != own_after]
    other = others(question.question_id, asked)
    ids = candidates.registration_id if asked is None else asked.union(other.index)
    held = candidates.set_index("registration_id").reindex(ids)
    rows = _candidates(
        held,
        other=other.reindex(held.index, fill_value=0.0),
        own=(own_before.reindex(held.index, fill_value=0.0), own_after.reindex(held.index, fill_value=0.0)),
        max_points=(question.max_before, question.max_after),
        thresholds=thresholds,
    )
    return RescoreOutcome(question, new_marks, rows, held=len(candidates))


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


def _scores(marks: pd.DataFrame, question: QuestionChange, change: Rescore) -> tuple[pd.Series, pd.Series]:
    """Auto and final scores after a key correction: a response whose chosen alternatives are all
    accepted earns the question's max score, any other 0; a grader's own score still wins."""
    if change.kind is not RescoreKind.KEY:
        return marks.auto_score, marks.score
    pattern = "|".join(sorted(set(change.accept)))
    responses = marks.response.fillna("").str.upper().str.replace(" ", "", regex=False)
    right = responses.str.fullmatch(f"(?:{pattern})(?:,(?:{pattern}))*").fillna(False).to_numpy(dtype=bool)
    auto = pd.Series(np.where(right, question.max_score, 0.0), index=marks.index)
    return auto, marks.manual_score.fillna(auto)


def _candidates(
    held: pd.DataFrame,
    *,
    other: pd.Series,
    own: tuple[pd.Series, pd.Series],
    max_points: tuple[float, float],
    thresholds: Thresholds,
) -> pd.DataFrame:
    """Points, percent and grade before and after of the candidates in `held` (anonymisation_code
    and current grade by registration_id)."""
    points = pd.DataFrame({"before": other + own[0], "after": other + own[1]}).round(2)
    earned_before = grades_for_points(points.before, max_points[0], thresholds).astype(str)
    earned_after = grades_for_points(points.after, max_points[1], thresholds).astype(str)
    grade_before = held.grade.fillna(earned_before).astype(str)
    grade_after = grade_before.where(earned_after == earned_before, earned_after)
    rank = {g: i for i, g in enumerate(thresholds.scale.grades)}
    direction = np.sign(grade_after.map(rank) - grade_before.map(rank)).fillna(0).astype(int)
    return pd.DataFrame(
        {
            "registration_id": held.index.to_numpy(),
            "anonymisation_code": held.anonymisation_code.to_numpy(),
            "other_points": other.to_numpy(),
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
