from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rules.grades import Scale, Thresholds, grades_for_points
from rules.whatif import COLUMNS, MOVES, what_if

POINTS = pd.Series([53.4, 53.39, 46.0, 24.6, 24.59, None, 60.0, 40.0, 45.8])


def row(table: pd.DataFrame, grade: str, move: float) -> pd.Series:
    return table[(table.grade == grade) & (table.move == move)].iloc[0]


@pytest.mark.parametrize(
    ("grade", "move", "up", "down", "change"),
    [
        ("A", -0.5, 1, 0, "1 B → A"),  # 53.39 / 60 = 88.98 %
        ("A", 0.5, 0, 1, "1 A → B"),  # 53.4 / 60 = 89.00 %
        ("B", -0.5, 1, 0, "1 C → B"),  # 46 / 60 = 76.67 %
        ("B", -1.0, 2, 0, "2 C → B"),  # and 45.8 / 60 = 76.33 %
        ("B", 0.5, 0, 0, "no change"),
        ("C", 2.0, 0, 1, "1 C → D"),  # 40 / 60 = 66.67 %
        ("E", -0.5, 1, 0, "1 F → E"),  # 24.59 / 60 = 40.98 %
        ("E", 2.0, 0, 1, "1 E → F"),  # 24.6 / 60 = 41.00 %
    ],
)
def test_counts_of_changes(grade: str, move: float, up: int, down: int, change: str) -> None:
    found = row(what_if(POINTS, 60), grade, move)
    assert (found.up, found.down, found.changed, found.change) == (up, down, up + down, change)
    assert found.possible


def test_every_boundary_and_move_highest_grade_first() -> None:
    table = what_if(POINTS, 60)
    assert list(table.columns) == COLUMNS
    assert list(table.grade.drop_duplicates()) == ["A", "B", "C", "D", "E"]
    assert list(table.move[:6]) == list(MOVES)
    assert list(table.new_minimum[:6]) == [87, 88, 88.5, 89.5, 90, 91]


@pytest.mark.parametrize("decimals", [0, 2])
def test_counts_match_a_regrade_under_the_moved_thresholds(decimals: int) -> None:
    points = pd.Series(np.random.default_rng(5).uniform(0, 80, 3000).round(1))
    thresholds = Thresholds(
        minimums={"A": 90, "B": 80, "C": 60, "D": 50, "E": 40, "FX": 35}, decimals=decimals
    )
    before = grades_for_points(points, 80, thresholds).cat.codes
    table = what_if(points, 80, thresholds)
    assert table.possible.all()
    for found in table.itertuples():
        moved = Thresholds(
            minimums={**thresholds.minimums, found.grade: found.new_minimum}, decimals=decimals
        )
        after = grades_for_points(points, 80, moved).cat.codes
        assert (found.up, found.down) == (int((after > before).sum()), int((after < before).sum()))


@pytest.mark.parametrize(
    ("minimums", "grade", "move", "reason"),
    [
        ({"A": 99.5, "B": 77, "C": 65, "D": 53, "E": 41}, "A", 1.0, "100.5 is outside 0-100"),
        ({"A": 89, "B": 77, "C": 65, "D": 53, "E": 1}, "E", -1.0, "0 is outside 0-100"),
        ({"A": 89, "B": 88, "C": 65, "D": 53, "E": 41}, "A", -1.0, "88 is not above B 88"),
        ({"A": 89, "B": 88, "C": 65, "D": 53, "E": 41}, "B", 1.0, "89 is not below A 89"),
        ({"A": 89, "B": 77, "C": 65, "D": 53, "E": 41, "FX": 40}, "E", -1.0, "40 is not above FX 40"),
    ],
)
def test_impossible_moves_are_reported_not_raised(
    minimums: dict[str, float], grade: str, move: float, reason: str
) -> None:
    found = row(what_if(POINTS, 60, Thresholds(minimums=minimums)), grade, move)
    assert not found.possible
    assert found.change == f"not possible: {reason}"
    assert pd.isna(found.up) and pd.isna(found.down) and pd.isna(found.changed)


def test_other_scales_list_their_boundaries() -> None:
    table = what_if(pd.Series([30.0, 37.0, 38.0]), 50, Thresholds(scale=Scale.UGVG))
    assert list(table.grade.drop_duplicates()) == ["VG", "G"]
    assert row(table, "VG", -2.0).change == "1 G → VG"  # 37 / 50 = 74 %
    assert row(table, "G", 2.0).change == "no change"


def test_bad_points_are_refused_naming_the_row() -> None:
    with pytest.raises(ValueError, match="1 score\\(s\\) outside 0-60 points, first at row 1: 61"):
        what_if(pd.Series([10.0, 61.0]), 60)


def test_no_points_no_changes() -> None:
    table = what_if(pd.Series([], dtype=float), 60)
    assert (table.changed == 0).all() and len(table) == 30


def test_what_if_on_100k_candidates() -> None:
    points = pd.Series(np.random.default_rng(1).uniform(0, 80, 100_000))
    table = what_if(points, 80)
    assert table.changed.sum() > 0
