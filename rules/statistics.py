"""Per-question statistics and the grade distribution of an exam, vectorised, for the grading report.

Marks come as one row per (registration_id, question_id) with number, max_score, weight and score
(the raw score, 0..max_score). A candidate's total is the sum of score x weight, as tasks.grading
counts points; a question a candidate has no mark for counts 0 there, as in that total.

Discrimination is the item-rest correlation: Pearson's r between a question's score and the
candidate's total without that question. It is NaN when either side is constant (all alike, or one
candidate), where no correlation exists; the report shows it blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rules.grades import Scale

MARK_COLUMNS = ("registration_id", "question_id", "number", "max_score", "weight", "score")
QUESTION_COLUMNS = [
    "question_id",
    "number",
    "max_score",
    "weight",
    "mean",
    "mean_share",
    "full_marks_share",
    "discrimination",
]
BAR = "█"
FULL_MARKS_TOLERANCE = 1e-9


def question_statistics(marks: pd.DataFrame) -> pd.DataFrame:
    """One row per question in number order, in QUESTION_COLUMNS; shares are fractions (0..1)."""
    missing = [c for c in MARK_COLUMNS if c not in marks.columns]
    if missing:
        raise ValueError(f"marks lack column(s): {', '.join(missing)}")
    repeated = marks.duplicated(["registration_id", "question_id"])
    if repeated.any():
        first = marks[repeated].iloc[0]
        raise ValueError(
            f"{int(repeated.sum())} mark(s) repeated, first registration {first.registration_id} "
            f"question {first.question_id}"
        )
    questions = (
        marks.drop_duplicates("question_id")
        .set_index("question_id")[["number", "max_score", "weight"]]
        .sort_values(["number"], kind="stable")
    )
    scores = marks.pivot_table(
        index="registration_id", columns="question_id", values="score", aggfunc="first", fill_value=0.0
    ).reindex(columns=questions.index, fill_value=0.0)
    matrix = scores.to_numpy(dtype=float)
    max_scores = questions["max_score"].to_numpy(dtype=float)
    weighted = matrix * questions["weight"].to_numpy(dtype=float)
    rest = weighted.sum(axis=1, keepdims=True) - weighted
    out = questions.reset_index()
    out["mean"] = matrix.mean(axis=0) if len(matrix) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mean_share"] = np.where(max_scores > 0, out["mean"] / max_scores, np.nan)
    full = matrix >= max_scores - FULL_MARKS_TOLERANCE
    out["full_marks_share"] = full.mean(axis=0) if len(matrix) else np.nan
    out["discrimination"] = _column_correlations(matrix, rest)
    return out[QUESTION_COLUMNS]


def _column_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson's r of each column of `a` with the same column of `b`; NaN where either is constant."""
    if len(a) < 2:
        return np.full(a.shape[1], np.nan)
    da, db = a - a.mean(axis=0), b - b.mean(axis=0)
    spread = np.sqrt((da**2).sum(axis=0) * (db**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(spread > 0, (da * db).sum(axis=0) / spread, np.nan)


def grade_distribution(grades: pd.Series, scale: Scale, width: int = 30) -> pd.DataFrame:
    """Count, share (0..1) and a bar of █ per grade of `scale`, highest first, every grade listed.

    Missing grades are left out of the count; the longest bar is `width` characters."""
    present = grades.dropna().astype(str)
    off_scale = sorted(set(present) - set(scale.grades))
    if off_scale:
        raise ValueError(
            f"grade(s) {', '.join(off_scale)} not on scale {scale.value} ({', '.join(scale.grades)})"
        )
    order = list(reversed(scale.grades))
    counts = present.value_counts().reindex(order, fill_value=0)
    total = int(counts.sum())
    shares = counts / total if total else counts.astype(float)
    peak = int(counts.max()) if total else 1
    bars = [BAR * max(1, round(width * n / peak)) if n else "" for n in counts]
    return pd.DataFrame({"grade": order, "count": counts.to_numpy(), "share": shares.to_numpy(), "bar": bars})


def bar_chart(distribution: pd.DataFrame) -> str:
    """The distribution as a text bar chart in a fenced block, which keeps its alignment in markdown."""
    label = max(len(g) for g in distribution["grade"])
    lines = [
        f"{row.grade:<{label}} " + (f"{row.bar} " if row.bar else "") + f"{row.count} ({row.share:.1%})"
        for row in distribution.itertuples()
    ]
    return "\n".join(["```", *lines, "```"])
