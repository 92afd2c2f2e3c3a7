"""Rescoring one question for every candidate at once: a corrected key, a new weight, or a void.

Vectorised over the question's marks (one row per candidate). Points are `sum(score * weight)`
rounded to 2 decimals, out of `sum(max_score * weight)`, as at grading. A candidate's points after
the change are their points before (the weighted sum of every mark they hold, never an earlier
rounded total) less their score on the question times its old weight, plus their new score times
its new weight: the same sum in another order, equal to a full recomputation for scores and weights
that are binary fractions, halves and quarters, as the tests check on random exams. Only the
candidates whose points may move are read: for a key correction those whose score on the question
moves (the maximum stays), for a weight change or a void everyone (the maximum moves).
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
from models.grading import MARK_COLUMNS, QUESTION_COLUMNS
from models.params import Rescore, RescoreKind
from rules.grades import Thresholds, grade_ranks
from rules.law import SOURCE_SE_RECONSIDERATION

ALTERNATIVE = re.compile(r"^[A-Z]$")

# The candidates asked for (None: every candidate holding a mark on the exam) as a frame indexed by
# registration_id: anonymisation_code, grade (None: not graded yet) and points, the weighted sum of
# every mark they hold, unrounded. Every candidate asked for holds a mark, so each has a row.
CandidatePoints = Callable[["pd.Index | None"], pd.DataFrame]


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
    docstring), ordered by registration_id, with points (rounded), percent and grade before and
    after, `direction` (+1 raised, -1 lowered, 0 same grade), `changed` (points or grade moved), and
    `total_before` and `total_after`, the points unrounded. `held`: how many candidates hold a mark
    on the exam."""

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
    (MARK_COLUMNS, one row per candidate and question): the full recomputation, every candidate's
    points summed again over every mark, the reference `rescore_question` is tested against."""
    missing = [c for c in MARK_COLUMNS if c not in marks.columns]
    if missing:
        raise ValueError(f"the marks frame lacks column(s) {', '.join(missing)}")
    question = question_change(marks.drop_duplicates("question_id")[list(QUESTION_COLUMNS)], change)
    on_question = (marks.question_id == question.question_id).to_numpy()
    own = marks[on_question]
    auto, score = _scores(own, question, change)
    moved = _moved(own, auto, score)
    scores_after = marks.score.to_numpy(dtype=float).copy()
    scores_after[on_question] = score
    weights_after = np.where(on_question, question.weight_after, marks.weight.to_numpy(dtype=float))
    by_candidate = marks.registration_id
    before = (marks.score * marks.weight).groupby(by_candidate).sum()
    after = pd.Series(scores_after * weights_after, index=marks.index).groupby(by_candidate).sum()
    people = marks.drop_duplicates("registration_id").set_index("registration_id").loc[before.index]
    rows = _candidates(
        people,
        points=(before.to_numpy(), after.to_numpy()),
        max_points=(question.max_before, question.max_after),
        thresholds=thresholds,
    )
    new_marks = _new_marks(own.registration_id.to_numpy()[moved], question, auto[moved], score[moved])
    return RescoreOutcome(question, new_marks, rows, held=len(people))


def question_change(questions: pd.DataFrame, change: Rescore) -> QuestionChange:
    """The question `change` names, and its weight, key and the exam's maximum before and after;
    refused before any mark is read if the change cannot be made."""
    _check_params(change)
    numbers = questions.number.to_numpy()
    at = np.flatnonzero(numbers == change.question_number)
    if not at.size:
        raise RescoreRefused(
            f"question {change.question_number} is not on the exam; its questions are "
            f"{_ranges(sorted(numbers.tolist())) or 'none (no marks)'}"
        )
    row = questions.iloc[int(at[0])]
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
    max_scores, weights = questions.max_score.to_numpy(dtype=float), questions.weight.to_numpy(dtype=float)
    max_after = float((max_scores * np.where(numbers == change.question_number, weight_after, weights)).sum())
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
        max_before=float((max_scores * weights).sum()),
        max_after=max_after,
    )


def rescore_question(
    question: QuestionChange,
    change: Rescore,
    *,
    marks: pd.DataFrame,
    held: int,
    candidates: CandidatePoints,
    thresholds: Thresholds,
) -> RescoreOutcome:
    """The outcome of `change` from the question's marks (QUESTION_MARK_COLUMNS), how many candidates
    hold a mark on the exam, and the points before of the candidates whose points may move, asked of
    `candidates` only for those."""
    ids = marks.registration_id.to_numpy()
    auto, score = _scores(marks, question, change)
    moved = _moved(marks, auto, score)
    own_before = marks.score.to_numpy(dtype=float) * question.weight_before
    own_after = score * question.weight_after
    asked = None if question.max_after != question.max_before else pd.Index(ids[own_before != own_after])
    people = candidates(asked)
    at = pd.Index(ids).get_indexer(people.index)  # -1: no mark on the question, so no points on it
    on_question = at >= 0
    before = people.points.to_numpy(dtype=float)
    other = before - np.where(on_question, own_before[at], 0.0)
    rows = _candidates(
        people,
        points=(before, other + np.where(on_question, own_after[at], 0.0)),
        max_points=(question.max_before, question.max_after),
        thresholds=thresholds,
    )
    return RescoreOutcome(question, _new_marks(ids[moved], question, auto[moved], score[moved]), rows, held)


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


def _scores(marks: pd.DataFrame, question: QuestionChange, change: Rescore) -> tuple[np.ndarray, np.ndarray]:
    """Auto and final scores after a key correction: a response whose chosen alternatives are all
    accepted earns the question's max score, any other 0; a grader's own score still wins. Each
    distinct response is matched once (a choice question has a handful)."""
    if change.kind is not RescoreKind.KEY:
        return marks.auto_score.to_numpy(dtype=float), marks.score.to_numpy(dtype=float)
    pattern = "|".join(sorted(set(change.accept)))
    right_answer = re.compile(f"(?:{pattern})(?:,(?:{pattern}))*")
    codes, responses = pd.factorize(marks.response)  # code -1: no response, wrong by the last False
    right = np.array(
        [right_answer.fullmatch(str(r).upper().replace(" ", "")) is not None for r in responses] + [False]
    )[codes]
    auto = np.where(right, question.max_score, 0.0)
    manual = marks.manual_score.to_numpy(dtype=float)
    return auto, np.where(np.isnan(manual), auto, manual)


def _moved(marks: pd.DataFrame, auto: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Where the new auto or final score differs from the one held (two missing ones are the same)."""
    held_auto, held_score = marks.auto_score.to_numpy(dtype=float), marks.score.to_numpy(dtype=float)
    same_auto = (auto == held_auto) | (np.isnan(auto) & np.isnan(held_auto))
    return ~(same_auto & (score == held_score))


def _new_marks(
    ids: np.ndarray, question: QuestionChange, auto: np.ndarray, score: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {"registration_id": ids, "question_id": question.question_id, "auto_score": auto, "score": score}
    )


def _candidates(
    people: pd.DataFrame,
    *,
    points: tuple[np.ndarray, np.ndarray],
    max_points: tuple[float, float],
    thresholds: Thresholds,
) -> pd.DataFrame:
    """Points, percent and grade before and after of the candidates in `people` (anonymisation_code
    and current grade by registration_id), from their unrounded points before and after."""
    before, after = np.round(points[0], 2), np.round(points[1], 2)
    earned_before = grade_ranks(before, max_points[0], thresholds)
    earned_after = grade_ranks(after, max_points[1], thresholds)
    scale = thresholds.scale.grades
    labels = np.array(scale, dtype=object)
    held = people.grade.to_numpy(dtype=object)
    graded = ~pd.isna(held)
    # a grade held stands unless the grade earned moves; ranks off the scale (-1) tell no direction
    rank_before = np.where(graded, [scale.index(g) if g in scale else -1 for g in held], earned_before)
    moved = earned_after != earned_before
    rank_after = np.where(moved, earned_after, rank_before)
    grade_before = np.where(graded, held, labels[earned_before])
    grade_after = np.where(moved, labels[earned_after], grade_before)
    on_scale = (rank_before >= 0) & (rank_after >= 0)
    return pd.DataFrame(
        {
            "registration_id": people.index.to_numpy(),
            "anonymisation_code": people.anonymisation_code.to_numpy(),
            "points_before": before,
            "points_after": after,
            "percent_before": np.round(before / max_points[0] * 100, 2),
            "percent_after": np.round(after / max_points[1] * 100, 2),
            "grade_before": grade_before,
            "grade_after": grade_after,
            "direction": np.where(on_scale, np.sign(rank_after - rank_before), 0),
            "changed": (before != after) | (grade_before != grade_after),
            "total_before": points[0],
            "total_after": points[1],
        }
    )


def _ranges(numbers: list[int]) -> str:
    """'1-4, 7, 9-10' for [1, 2, 3, 4, 7, 9, 10]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
