from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rules.registrations import RegistrationDiff, diff_registrations, field_changes


def frame(rows: list[tuple[str, str, int | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["occasion_uid", "student_uid", "extra_time_minutes"])


def counts(diff: RegistrationDiff) -> dict[str, int]:
    return {
        "adds": len(diff.adds),
        "removals": len(diff.removals),
        "extra_time_changes": len(diff.extra_time_changes),
        "unchanged": diff.unchanged,
    }


def keys(df: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in df.itertuples(index=False)]


@pytest.mark.parametrize(
    ("register", "current", "adds", "removals", "changes", "unchanged"),
    [
        ([], [], [], [], [], 0),
        ([("o1", "s1", 0)], [], [("o1", "s1", 0)], [], [], 0),
        ([], [("o1", "s1", 15)], [], [("o1", "s1", 15)], [], 0),
        ([("o1", "s1", 0)], [("o1", "s1", 0)], [], [], [], 1),
        ([("o1", "s1", 30)], [("o1", "s1", 0)], [], [], [("o1", "s1", 30, 0)], 0),
        ([("o1", "s1", None)], [("o1", "s1", 0)], [], [], [], 1),
        # the same student on another occasion is another registration
        ([("o2", "s1", 0)], [("o1", "s1", 0)], [("o2", "s1", 0)], [("o1", "s1", 0)], [], 0),
        (
            [("o1", "s1", 0), ("o1", "s2", 45), ("o1", "s4", 0)],
            [("o1", "s1", 0), ("o1", "s2", 30), ("o1", "s3", 0)],
            [("o1", "s4", 0)],
            [("o1", "s3", 0)],
            [("o1", "s2", 45, 30)],
            1,
        ),
    ],
)
def test_diff(register, current, adds, removals, changes, unchanged) -> None:  # type: ignore[no-untyped-def]
    diff = diff_registrations(frame(register), frame(current))
    assert keys(diff.adds) == adds
    assert keys(diff.removals) == removals
    assert keys(diff.extra_time_changes) == changes
    assert diff.unchanged == unchanged
    assert list(diff.extra_time_changes.columns) == [
        "occasion_uid",
        "student_uid",
        "extra_time_minutes",
        "previous_extra_time_minutes",
    ]


def test_summary_counts() -> None:
    diff = diff_registrations(
        frame([("o1", "s1", 0), ("o1", "s2", 30), ("o1", "s5", 0)]),
        frame([("o1", "s1", 0), ("o1", "s2", 0), ("o1", "s3", 0), ("o1", "s4", 0)]),
    )
    assert counts(diff) == {"adds": 1, "removals": 2, "extra_time_changes": 1, "unchanged": 1}


def test_extra_columns_are_ignored() -> None:
    register = frame([("o1", "s1", 0)]).assign(first_name="Ada")
    assert counts(diff_registrations(register, frame([("o1", "s1", 0)])))["unchanged"] == 1


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (frame([("o1", "s1", 0)]).drop(columns="extra_time_minutes"), "register lacks column"),
        (
            frame([("o1", "s1", 0), ("o1", "s1", 15)]),
            r"register holds 1 duplicate registration\(s\), first \(o1, s1\)",
        ),
        (frame([("o1", None, 0)]), "register row 0 has an empty occasion_uid or student_uid"),
    ],
)
def test_bad_frames_are_refused(register: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        diff_registrations(register, frame([]))


def test_100k_rows_diff_exactly() -> None:
    n = 100_000
    rng = np.random.default_rng(3)
    occasions = np.array([f"occ{i % 50}" for i in range(n)])
    students = np.array([f"stu{i:06d}" for i in range(n)])
    register = pd.DataFrame(
        {
            "occasion_uid": occasions,
            "student_uid": students,
            "extra_time_minutes": rng.choice([0, 0, 0, 30], n),
        }
    )
    current = register.copy()
    current = current.iloc[1_000:].reset_index(drop=True)  # 1,000 to add
    current.loc[:499, "extra_time_minutes"] = current.loc[:499, "extra_time_minutes"] + 15  # 500 changed
    gone = pd.DataFrame(
        {"occasion_uid": "occ0", "student_uid": [f"gone{i}" for i in range(700)], "extra_time_minutes": 0}
    )
    current = pd.concat([current, gone], ignore_index=True)
    diff = diff_registrations(register, current)
    assert counts(diff) == {
        "adds": 1_000,
        "removals": 700,
        "extra_time_changes": 500,
        "unchanged": 98_500,
    }


def rows(values: list[tuple[str, str, str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(values, columns=["occasion_uid", "student_uid", "module_uid", "separate_room"])


@pytest.mark.parametrize(
    ("register", "current", "changed"),
    [
        ([("o1", "s1", "m1", False)], [("o1", "s1", "m1", False)], []),
        ([("o1", "s1", "m2", False)], [("o1", "s1", "m1", False)], [("o1", "s1")]),
        ([("o1", "s1", "m1", True)], [("o1", "s1", "m1", False)], [("o1", "s1")]),
        ([("o1", "s1", "m2", False)], [("o1", "s2", "m1", False)], []),  # an add and a removal, not a change
        ([("o1", "s1", None, False)], [("o1", "s1", float("nan"), False)], []),  # missing on both sides
        ([("o1", "s1", None, False)], [("o1", "s1", "m1", False)], [("o1", "s1")]),
    ],
)
def test_field_changes(register, current, changed) -> None:  # type: ignore[no-untyped-def]
    found = field_changes(rows(register), rows(current), ["module_uid", "separate_room"])
    assert keys(found) == changed
