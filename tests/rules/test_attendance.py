from __future__ import annotations

import pandas as pd
import pytest

from rules.attendance import check_attendance


def results(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["candidate_code", "attendance", "grade"])


@pytest.mark.parametrize(
    ("rows", "without_grade", "without_submission"),
    [
        ([], [], []),
        ([("C-0001-AAA", "submitted", "A"), ("C-0002-BBB", "absent", None)], [], []),
        ([("C-0001-AAA", "submitted", None)], ["C-0001-AAA"], []),
        ([("C-0001-AAA", "submitted", "")], ["C-0001-AAA"], []),
        ([("C-0001-AAA", "submitted", "  ")], ["C-0001-AAA"], []),
        ([("C-0002-BBB", "absent", "F")], [], ["C-0002-BBB"]),
        (
            [
                ("C-0003-CCC", "submitted", None),
                ("C-0001-AAA", "submitted", float("nan")),
                ("C-0002-BBB", "absent", "E"),
                ("C-0004-DDD", "submitted", "B"),
                ("C-0005-EEE", "absent", ""),
            ],
            ["C-0001-AAA", "C-0003-CCC"],
            ["C-0002-BBB"],
        ),
    ],
)
def test_offenders_by_reason(rows, without_grade, without_submission) -> None:  # type: ignore[no-untyped-def]
    report = check_attendance(results(rows))
    assert report.submitted_without_grade == without_grade
    assert report.graded_without_submission == without_submission
    assert report.ok is (not without_grade and not without_submission)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (results([("C-0001-AAA", "present", "A")]), "candidate C-0001-AAA has attendance 'present'"),
        (results([]).drop(columns="grade"), r"results lack column\(s\) grade"),
    ],
)
def test_bad_input_is_refused(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_attendance(frame)
