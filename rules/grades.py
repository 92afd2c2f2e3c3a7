"""Grade scales, percentage thresholds and the grade a score earns.

Rounding rule (one rule for the scalar and the vectorised path): the percentage
`points / max_points * 100` is rounded half up to `Thresholds.decimals` decimals (default 2)
and only then compared with the minimums, a grade being earned at `rounded >= minimum`.
So with the defaults 88.99 % is a B, 88.995 % rounds to 89.00 and is an A, and 40.99 % is an F.
A tolerance of 1e-9 absorbs binary floating-point error (88.995 is stored as 88.99499999...),
far below the smallest step of any sensible number of decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from models import ladok_codes
from models.grading import GradingSettings

FLOAT_TOLERANCE = 1e-9


class Scale(StrEnum):
    """The grading scales in use; each lists its grades lowest first."""

    AF = "A-F"
    PASS_FAIL = "P/F"
    UGVG = "U/G/VG"
    U345 = "U/3/4/5"

    @property
    def grades(self) -> tuple[str, ...]:
        return _GRADES[self]

    @property
    def passing(self) -> tuple[str, ...]:
        return _PASSING[self]

    @property
    def lowest(self) -> str:
        return self.grades[0]

    def is_passing(self, grade: str) -> bool:
        return self.require(grade) in self.passing

    def grades_in(self, country: str) -> tuple[str, ...]:
        """The scale's grades as the country's register holds them: Norway's A-F has no FX."""
        return tuple(g for g in self.grades if not (country == "NO" and g in _SWEDISH_ONLY))

    def require(self, grade: str) -> str:
        """The grade itself, or a ValueError naming the scale's grades."""
        if grade not in self.grades:
            raise ValueError(f"grade {grade!r} is not on scale {self.value} ({', '.join(self.grades)})")
        return grade


# FX (Ladok's "fail, some more work required") sits between F and E on the Swedish A-F scale;
# Norway's A-F scale has no FX. Both fail.
_GRADES: dict[Scale, tuple[str, ...]] = {
    Scale.AF: ("F", "FX", "E", "D", "C", "B", "A"),
    Scale.PASS_FAIL: ("F", "P"),
    Scale.UGVG: ("U", "G", "VG"),
    Scale.U345: ("U", "3", "4", "5"),
}
_PASSING: dict[Scale, tuple[str, ...]] = {
    Scale.AF: ("E", "D", "C", "B", "A"),
    Scale.PASS_FAIL: ("P",),
    Scale.UGVG: ("G", "VG"),
    Scale.U345: ("3", "4", "5"),
}
_SWEDISH_ONLY = frozenset({"FX"})
# Grades that share a step with the grade below them when counting distances (see grade_distance).
_SAME_STEP_AS_BELOW = frozenset({"FX"})

# Percent minimum per grade. A-F: the Norwegian percentage method (national guidance, see
# docs/domain.md, "Grading scales": A 89-100, B 77-88, C 65-76, D 53-64, E 41-52, F 0-40), adjustable
# per exam. The other scales have no national guidance found; these are common course practice
# (unverified): pass at the E floor, G 50 / VG 75, 3 at 40 / 4 at 60 / 5 at 80.
_DEFAULT_MINIMUMS: dict[Scale, dict[str, float]] = {
    Scale.AF: {"A": 89, "B": 77, "C": 65, "D": 53, "E": 41},
    Scale.PASS_FAIL: {"P": 41},
    Scale.UGVG: {"VG": 75, "G": 50},
    Scale.U345: {"5": 80, "4": 60, "3": 40},
}

LADOK_SCALES: dict[int, Scale] = {
    ladok_codes.SCALE_A_F: Scale.AF,
    ladok_codes.SCALE_PASS_FAIL: Scale.PASS_FAIL,
}

# How spreadsheets and platforms spell grades, mapped to the scale's own codes.
_SPELLINGS: dict[Scale, dict[str, str]] = {
    Scale.PASS_FAIL: {"PASS": "P", "NOTPASS": "F", "GODKJENT": "P", "IKKE GODKJENT": "F"},
}


class Thresholds(BaseModel):
    """Percent minimum per grade on one scale; below the lowest minimum the scale's lowest grade.

    Every passing grade needs a minimum; failing grades above the lowest (FX) are optional and
    never given by percent without one. Minimums must fall strictly as the grade falls.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale: Scale = Field(Scale.AF, description="the grading scale")
    minimums: dict[str, float] = Field(
        default_factory=dict,  # never used: `_default_minimums` puts in the scale's defaults first
        description="grade -> minimum percent (0-100) to earn it",
    )
    decimals: int = Field(2, ge=0, le=6, description="the percent is rounded half up to this many decimals")

    @model_validator(mode="before")
    @classmethod
    def _default_minimums(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("minimums") is None:
            scale = Scale(data.get("scale", Scale.AF))
            return {**data, "minimums": dict(_DEFAULT_MINIMUMS[scale])}
        return data

    @model_validator(mode="after")
    def _check(self) -> Thresholds:
        scale = self.scale
        for grade, minimum in self.minimums.items():
            scale.require(grade)
            if grade == scale.lowest:
                raise ValueError(f"grade {grade} is the lowest on {scale.value} and takes no minimum")
            if not 0 < minimum <= 100:
                raise ValueError(f"minimum for {grade} must be in (0, 100], got {minimum}")
        missing = [g for g in scale.passing if g not in self.minimums]
        if missing:
            raise ValueError(f"passing grade(s) {', '.join(missing)} on {scale.value} need a minimum")
        ordered = [(g, self.minimums[g]) for g in reversed(scale.grades) if g in self.minimums]
        for (higher, high), (lower, low) in zip(ordered, ordered[1:], strict=False):
            if not high > low:
                raise ValueError(
                    f"minimums must fall strictly with the grade: {higher} {high:g} is not above "
                    f"{lower} {low:g}"
                )
        return self

    def bins(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Ascending minimums and the grades they open, the scale's lowest grade first."""
        ordered = [g for g in self.scale.grades if g in self.minimums]
        edges = np.array([self.minimums[g] for g in ordered], dtype=float)
        return edges, (self.scale.lowest, *ordered)


def default_thresholds(scale: Scale) -> Thresholds:
    return Thresholds(scale=scale)


def thresholds_for(scale: str, settings: GradingSettings) -> Thresholds:
    """The exam's thresholds: its own minimums where set, else the scale's defaults; a ValueError
    says what does not fit the scale."""
    return Thresholds(scale=Scale(scale), minimums=settings.thresholds, decimals=settings.decimals)


def round_half_up(values: np.ndarray | float, decimals: int) -> np.ndarray:
    """Rounds half away from zero for non-negative percentages (see the module docstring)."""
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * factor + 0.5 + FLOAT_TOLERANCE) / factor


def grade_for_percent(pct: float, thresholds: Thresholds | None = None) -> str:
    """The grade a percentage (0-100) earns under `thresholds` (default: the percentage method)."""
    thresholds = thresholds or Thresholds()
    if not 0 <= pct <= 100:
        raise ValueError(f"percent must be within 0-100, got {pct}")
    edges, labels = thresholds.bins()
    rounded = round_half_up(pct, thresholds.decimals)
    return labels[int(np.searchsorted(edges, rounded, side="right"))]


def grades_for_points(
    points: pd.Series, max_points: float, thresholds: Thresholds | None = None
) -> pd.Series:
    """Grades for a column of points, vectorised; missing points give a missing grade.

    Returns an ordered categorical over the scale's grades (lowest first) with `points`' index.
    """
    thresholds = thresholds or Thresholds()
    values = pd.to_numeric(points).to_numpy(dtype=float, na_value=np.nan)
    codes = grade_ranks(values, max_points, thresholds, labels=points.index)
    dtype = pd.CategoricalDtype(list(thresholds.scale.grades), ordered=True)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=points.index, name=points.name)


def grade_ranks(
    values: np.ndarray, max_points: float, thresholds: Thresholds, labels: Sequence[Any] | None = None
) -> np.ndarray:
    """Each value's grade as its place on the scale (the lowest grade 0), -1 where missing; a value
    outside 0-`max_points` is refused, named by its label in `labels` (else by its position)."""
    if not max_points > 0:
        raise ValueError(f"max_points must be positive, got {max_points}")
    out_of_range = (values < 0) | (values > max_points)
    if out_of_range.any():
        first = int(np.flatnonzero(out_of_range)[0])
        raise ValueError(
            f"{int(out_of_range.sum())} score(s) outside 0-{max_points:g} points, "
            f"first at row {(first if labels is None else labels[first])!r}: {values[first]:g}"
        )
    edges, grades = thresholds.bins()
    ranks = np.array([thresholds.scale.grades.index(grade) for grade in grades])
    rounded = round_half_up(values / max_points * 100, thresholds.decimals)
    return np.where(np.isnan(values), -1, ranks[np.searchsorted(edges, rounded, side="right")])


def grade_distance(scale: Scale, from_grade: str, to_grade: str) -> int:
    """Signed steps from `from_grade` to `to_grade` (positive when `to_grade` is higher).

    FX counts as the same step as F: Norway's A-F has no FX, and the Norwegian appeal rule (a new
    grade two or more steps from the old one triggers a further assessment; docs/law.md, "Two-grade
    deviation") counts A-F letters.
    """
    return _step(scale, to_grade) - _step(scale, from_grade)


def _step(scale: Scale, grade: str) -> int:
    index = scale.grades.index(scale.require(grade))
    return index - sum(1 for g in scale.grades[: index + 1] if g in _SAME_STEP_AS_BELOW)


def parse_grade(scale: Scale, raw: str) -> str:
    """A grade as written in a spreadsheet (`Pass`/`NotPass`, letters in any case) in scale codes."""
    text = raw.strip().upper()
    return scale.require(_SPELLINGS.get(scale, {}).get(text, text))


def scale_for_ladok(scale_id: int) -> Scale:
    """The scale behind a register's numeric `BetygsskalaID`."""
    if scale_id not in LADOK_SCALES:
        raise ValueError(f"unknown register grade scale {scale_id}")
    return LADOK_SCALES[scale_id]


def ladok_grade_id(scale_id: int, grade: str) -> int:
    """The register's numeric id (`Betygsgrad`) of `grade` on scale `scale_id`."""
    code = scale_for_ladok(scale_id).require(grade)
    return ladok_codes.grade_id(scale_id, code)
