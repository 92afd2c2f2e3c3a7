"""The prefix made from a course code and its sitting, numbering after a term's highest, and terms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.codes import code_parts, term_of
from rules.anonymisation import PREFIX_PATTERN, assign_codes, course_prefix, prefix_base


@pytest.mark.parametrize(
    ("course", "taken", "prefix"),
    [
        ("SF1625", set(), "SF16251"),
        ("SF1625", {"SF16251", "SF16252"}, "SF16253"),
        ("sf-1625", {"SF16252"}, "SF16251"),
        ("1MA020", set(), "C1MA0201"),
        ("DD2380VT", set(), "DD2380VT1"),
        ("ABCDEFGHIJKL", set(), "ABCDEFGHI1"),
        ("SF1625", {f"SF1625{c}" for c in "123456789"}, "SF1625A"),
    ],
)
def test_prefix_from_course_and_sitting(course: str, taken: set[str], prefix: str) -> None:
    assert course_prefix(course, taken) == prefix
    assert PREFIX_PATTERN.fullmatch(prefix)


def test_a_course_code_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="course code '--'"):
        prefix_base("--")


def test_new_numbers_follow_the_terms_highest_and_kept_codes_stay() -> None:
    first = assign_codes("SF16251", {}, ["s1", "s2"], seed="k", after=40)
    assert sorted(code_parts(c)[1] for c in first.values()) == [41, 42]
    again = assign_codes("SF16251", first, ["s1", "s3"], seed="k", after=45)
    assert {s: again[s] for s in first} == first and code_parts(again["s3"])[1] == 46
    # codes held on the exam above the term's highest still count
    assert code_parts(assign_codes("SF16251", first, ["s4"], seed="k", after=3)["s4"])[1] == 43


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (date(2027, 1, 10), "VT2027"),
        (date(2027, 6, 30), "VT2027"),
        (date(2027, 7, 1), "HT2027"),
        (date(2027, 12, 31), "HT2027"),
        (datetime(2027, 6, 30, 22, 30, tzinfo=UTC), "HT2027"),  # 00:30 on 1 July in Stockholm
        (datetime(2027, 12, 31, 23, 30, tzinfo=UTC), "VT2028"),
    ],
)
def test_terms_by_stockholm_calendar(day: date | datetime, term: str) -> None:
    assert term_of(day) == term
