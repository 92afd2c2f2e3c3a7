"""A grader's pay from the hours claimed: table tests of amounts, the minimum fee and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rules.grader_pay import ClaimedHours, Rate, amount, hours_problem, price, problems

D = Decimal


@pytest.mark.parametrize(
    ("hours", "per_hour", "expected"),
    [
        ("1", "450.00", "450.00"),
        ("0.5", "450.00", "225.00"),
        ("0.25", "433.33", "108.33"),  # 108.3325
        ("0.75", "433.33", "325.00"),  # 324.9975, half up
        ("0.01", "450.00", "4.50"),
        ("2.35", "401.10", "942.59"),  # 942.585, half up (banker's rounding would give 942.58)
        ("100", "999.99", "99999.00"),
    ],
)
def test_hours_at_a_rate_round_half_up_to_the_cent(hours: str, per_hour: str, expected: str) -> None:
    assert amount(D(hours), D(per_hour)) == D(expected)


@pytest.mark.parametrize(
    ("lines", "minimum", "hours", "top_up_hours", "total"),
    [
        (["0.5", "0.5", "2"], "0", "3.00", "0", "1350.00"),
        (["0.5"], "3", "0.5", "2.5", "1350.00"),  # topped up to the minimum fee's 3 hours
        (["1", "1.5"], "3", "2.5", "0.5", "1350.00"),
        (["3"], "3", "3", "0", "1350.00"),  # exactly the minimum: nothing added
        (["2", "2"], "3", "4", "0", "1800.00"),
    ],
)
def test_a_timesheet_is_paid_its_hours_or_the_minimum_fee(
    lines: list[str], minimum: str, hours: str, top_up_hours: str, total: str
) -> None:
    pay = price([D(h) for h in lines], Rate("NO", D("450.00"), D(minimum)))
    assert (pay.hours, pay.top_up_hours, pay.total) == (D(hours), D(top_up_hours), D(total))
    assert pay.total == sum(pay.lines, D(0)) + pay.top_up
    assert pay.paid_hours == max(D(hours), D(minimum))
    assert pay.rate.currency == "NOK"


def test_the_currency_follows_the_country() -> None:
    assert Rate("SE", D("400")).currency == "SEK"
    assert Rate("NO", D("400")).currency == "NOK"


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ("0.5", ""),
        ("100", ""),
        ("-1", "hours -1 is negative"),
        ("-0.01", "hours -0.01 is negative"),
        ("0", "hours is 0: leave the line out"),
        ("0.125", "hours 0.125 has more than two decimals"),
        ("100.01", "hours 100.01 is more than 100 on one line"),
        ("NaN", "hours NaN is not a number"),
        ("Infinity", "hours Infinity is not a number"),
    ],
)
def test_hours_problems(hours: str, problem: str) -> None:
    assert hours_problem(D(hours)) == problem


def test_problems_name_each_wrong_line_by_number_and_label() -> None:
    lines = [
        ClaimedHours(1, "candidate EX-0001-ABC", D("0.5")),
        ClaimedHours(2, "candidate EX-0002-BCD", D("-2")),
        ClaimedHours(3, "question set 1-4", D("0")),
    ]
    assert problems(lines) == [
        "line 2 (candidate EX-0002-BCD): hours -2 is negative",
        "line 3 (question set 1-4): hours is 0: leave the line out",
    ]
