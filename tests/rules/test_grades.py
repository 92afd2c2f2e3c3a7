from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from models import ladok_codes
from rules.grades import (
    Scale,
    Thresholds,
    default_thresholds,
    grade_distance,
    grade_for_percent,
    grades_for_points,
    ladok_grade_id,
    parse_grade,
    round_half_up,
    scale_for_ladok,
)


@pytest.mark.parametrize(
    ("pct", "grade"),
    [
        (100, "A"),
        (89.0, "A"),
        (88.995, "A"),  # rounds half up to 89.00
        (88.99, "B"),
        (88.994, "B"),
        (77.0, "B"),
        (76.99, "C"),
        (65.0, "C"),
        (64.99, "D"),
        (53.0, "D"),
        (52.99, "E"),
        (41.0, "E"),
        (40.995, "E"),
        (40.99, "F"),
        (0, "F"),
    ],
)
def test_percentage_method_boundaries(pct: float, grade: str) -> None:
    assert grade_for_percent(pct) == grade


@pytest.mark.parametrize(
    ("pct", "decimals", "grade"),
    [(88.5, 0, "A"), (88.49, 0, "B"), (88.95, 1, "A"), (88.94, 1, "B"), (40.5, 0, "E"), (40.49, 0, "F")],
)
def test_rounding_decimals_are_stated(pct: float, decimals: int, grade: str) -> None:
    assert grade_for_percent(pct, Thresholds(decimals=decimals)) == grade


@pytest.mark.parametrize(
    ("scale", "pct", "grade"),
    [
        (Scale.PASS_FAIL, 41, "P"),
        (Scale.PASS_FAIL, 40.99, "F"),
        (Scale.UGVG, 75, "VG"),
        (Scale.UGVG, 74.99, "G"),
        (Scale.UGVG, 50, "G"),
        (Scale.UGVG, 49.99, "U"),
        (Scale.U345, 80, "5"),
        (Scale.U345, 79.99, "4"),
        (Scale.U345, 60, "4"),
        (Scale.U345, 59.99, "3"),
        (Scale.U345, 40, "3"),
        (Scale.U345, 39.99, "U"),
    ],
)
def test_default_thresholds_per_scale(scale: Scale, pct: float, grade: str) -> None:
    assert grade_for_percent(pct, default_thresholds(scale)) == grade


def test_optional_fx_threshold_gives_fx() -> None:
    t = Thresholds(minimums={"A": 89, "B": 77, "C": 65, "D": 53, "E": 41, "FX": 35})
    assert [grade_for_percent(p, t) for p in (41, 40.99, 35, 34.99)] == ["E", "FX", "FX", "F"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minimums": {"A": 89, "B": 89, "C": 65, "D": 53, "E": 41}}, "A 89 is not above B 89"),
        ({"minimums": {"A": 77, "B": 89, "C": 65, "D": 53, "E": 41}}, "A 77 is not above B 89"),
        ({"minimums": {"A": 89, "B": 77, "C": 65, "D": 53}}, "passing grade(s) E"),
        ({"minimums": {"A": 89, "B": 77, "C": 65, "D": 53, "E": 41, "F": 10}}, "F is the lowest"),
        (
            {"minimums": {"A": 89, "B": 77, "C": 65, "D": 53, "E": 41, "G": 30}},
            "grade 'G' is not on scale A-F",
        ),
        ({"minimums": {"A": 101, "B": 77, "C": 65, "D": 53, "E": 41}}, "must be in (0, 100]"),
        ({"minimums": {"A": 89, "B": 77, "C": 65, "D": 53, "E": 0}}, "must be in (0, 100]"),
        ({"minimums": {"A": 89, "B": 77, "C": 65, "D": 53, "E": 41, "FX": 41}}, "E 41 is not above FX 41"),
        ({"scale": Scale.UGVG, "minimums": {"VG": 50, "G": 75}}, "VG 50 is not above G 75"),
        ({"decimals": -1}, "decimals"),
    ],
)
def test_bad_thresholds_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Thresholds(**kwargs)


def test_thresholds_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Thresholds().decimals = 0  # type: ignore[misc]


@pytest.mark.parametrize("pct", [-0.01, 100.01, float("nan")])
def test_percent_outside_range_is_refused(pct: float) -> None:
    with pytest.raises(ValueError, match="within 0-100"):
        grade_for_percent(pct)


def test_round_half_up_is_not_bankers() -> None:
    assert list(round_half_up(np.array([0.5, 1.5, 2.5, 88.995, 40.994]), 0)) == [1, 2, 3, 89, 41]
    assert list(round_half_up(np.array([88.995, 40.994]), 2)) == [89.0, 40.99]


def test_grades_for_points_matches_scalar_and_keeps_index() -> None:
    points = pd.Series([60.0, 53.4, 53.39, 24.6, 24.59, None, 0.0], index=list("abcdefg"), name="pts")
    grades = grades_for_points(points, 60)
    assert list(grades.index) == list("abcdefg")
    assert grades.name == "pts"
    expected = [grade_for_percent(p / 60 * 100) if p == p else None for p in points]
    assert [g if isinstance(g, str) else None for g in grades.tolist()] == expected
    assert expected == ["A", "A", "B", "E", "F", None, "F"]
    assert grades.cat.ordered and list(grades.cat.categories) == list(Scale.AF.grades)


@pytest.mark.parametrize(
    ("points", "max_points", "message"),
    [
        ([10, -1], 60, r"1 score\(s\) outside 0-60 points, first at row 1: -1"),
        ([61, 70], 60, r"2 score\(s\) outside 0-60 points, first at row 0: 61"),
        ([1], 0, "max_points must be positive"),
    ],
)
def test_grades_for_points_refuses_bad_scores(points: list, max_points: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grades_for_points(pd.Series(points), max_points)


def test_grades_for_points_on_100k_rows() -> None:
    points = pd.Series(np.random.default_rng(1).uniform(0, 80, 100_000))
    grades = grades_for_points(points, 80)
    sample = points.sample(200, random_state=2)
    assert all(grades[i] == grade_for_percent(points[i] / 80 * 100) for i in sample.index)


@pytest.mark.parametrize(
    ("scale", "a", "b", "steps"),
    [
        (Scale.AF, "B", "B", 0),
        (Scale.AF, "B", "A", 1),
        (Scale.AF, "A", "C", -2),
        (Scale.AF, "E", "F", -1),
        (Scale.AF, "E", "FX", -1),
        (Scale.AF, "FX", "F", 0),
        (Scale.AF, "F", "A", 5),
        (Scale.UGVG, "U", "VG", 2),
        (Scale.U345, "5", "3", -2),
        (Scale.PASS_FAIL, "F", "P", 1),
    ],
)
def test_grade_distance(scale: Scale, a: str, b: str, steps: int) -> None:
    assert grade_distance(scale, a, b) == steps


def test_grade_distance_refuses_grade_off_the_scale() -> None:
    with pytest.raises(ValueError, match="grade 'VG' is not on scale A-F"):
        grade_distance(Scale.AF, "A", "VG")


@pytest.mark.parametrize(
    ("scale", "raw", "grade"),
    [
        (Scale.PASS_FAIL, "Pass", "P"),
        (Scale.PASS_FAIL, "NotPass", "F"),
        (Scale.AF, " b ", "B"),
        (Scale.AF, "fx", "FX"),
        (Scale.UGVG, "vg", "VG"),
    ],
)
def test_parse_grade(scale: Scale, raw: str, grade: str) -> None:
    assert parse_grade(scale, raw) == grade


def test_parse_grade_refuses_unknown() -> None:
    with pytest.raises(ValueError, match="'PASSED' is not on scale P/F"):
        parse_grade(Scale.PASS_FAIL, "Passed")


@pytest.mark.parametrize(
    ("scale_id", "grade", "grade_id"),
    [
        (ladok_codes.SCALE_A_F, "A", 131661),
        (ladok_codes.SCALE_A_F, "FX", 131696),
        (ladok_codes.SCALE_A_F, "F", 131697),
        (ladok_codes.SCALE_PASS_FAIL, "P", 131658),
        (ladok_codes.SCALE_PASS_FAIL, "F", 131663),
    ],
)
def test_ladok_grade_ids(scale_id: int, grade: str, grade_id: int) -> None:
    assert ladok_grade_id(scale_id, grade) == grade_id


def test_ladok_unknown_scale_and_grade_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown register grade scale 1"):
        scale_for_ladok(1)
    with pytest.raises(ValueError, match="'G' is not on scale P/F"):
        ladok_grade_id(ladok_codes.SCALE_PASS_FAIL, "G")


@pytest.mark.parametrize("scale", list(Scale))
def test_scales_are_ordered_and_pass_at_the_top(scale: Scale) -> None:
    assert not scale.is_passing(scale.lowest)
    assert scale.is_passing(scale.grades[-1])
    assert scale.grades[-len(scale.passing) :] == scale.passing


def test_norways_a_to_f_has_no_fx_and_swedens_has() -> None:
    assert Scale.AF.grades_in("NO") == ("F", "E", "D", "C", "B", "A")
    assert Scale.AF.grades_in("SE") == Scale.AF.grades
    assert Scale.PASS_FAIL.grades_in("NO") == Scale.PASS_FAIL.grades
