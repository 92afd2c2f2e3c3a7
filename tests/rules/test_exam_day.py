"""The roll against the platform's submissions, and a folder of sketches against the codes."""

from __future__ import annotations

import pytest

from rules.exam_day import (
    NO_SHOW_WITH_EXTRA_TIME,
    PRESENT_WITHOUT_SUBMISSION,
    SUBMISSION_MARKED_ABSENT,
    Sitting,
    reconcile_roll,
    sketch_codes,
)

SITTINGS = [
    Sitting("A01", submitted=True, extra_time_minutes=0),  # present, submitted: fine
    Sitting("A02", submitted=False, extra_time_minutes=0),  # present on the roll, nothing submitted
    Sitting("A03", submitted=True, extra_time_minutes=0),  # marked absent, yet submitted
    Sitting("A04", submitted=False, extra_time_minutes=30),  # a no-show who had extra time
    Sitting("A05", submitted=False, extra_time_minutes=0),  # a no-show: fine
]


def test_every_kind_of_mismatch_is_listed_by_code_and_nothing_else() -> None:
    found = reconcile_roll(SITTINGS, ["A03", "A04", "A05"])
    assert [(m.code, m.kind) for m in found] == [
        ("A02", PRESENT_WITHOUT_SUBMISSION),
        ("A03", SUBMISSION_MARKED_ABSENT),
        ("A04", NO_SHOW_WITH_EXTRA_TIME),
    ]
    assert found[2].detail == "absent with 30 minutes of extra time"


def test_a_roll_that_matches_lists_nothing() -> None:
    assert reconcile_roll(SITTINGS[:1] + SITTINGS[4:], ["A05"]) == []


def test_a_code_not_on_the_exam_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not on this exam: B99, Z01"):
        reconcile_roll(SITTINGS, ["A03", "Z01", "B99"])


def test_sketches_are_matched_to_codes_by_file_name() -> None:
    assert sketch_codes(["A01.pdf", "A02.PDF"], {"A01", "A02", "A03"}) == {"A01": "A01.pdf", "A02": "A02.PDF"}


def test_every_badly_named_sketch_is_refused_together() -> None:
    with pytest.raises(ValueError) as refused:
        sketch_codes(["A01.pdf", "notes.txt", "B07.pdf"], {"A01"})
    assert str(refused.value) == "B07.pdf: no candidate with code B07 on this exam; notes.txt: not a .pdf"
