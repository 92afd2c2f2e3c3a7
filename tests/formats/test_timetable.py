"""The timetable file: read with Swedish or English headers, every bad row refused by row and column."""

from __future__ import annotations

from datetime import date, time

import pytest

from formats.timetable import read_timetable
from rules.sheet_errors import SheetRefused
from rules.timetable import Slot, slot_for

DAY = date(2026, 10, 20)
SLOT = Slot(row=2, course_code="TDA357", day=DAY, start=time(8, 30), end=time(12, 30), duration_minutes=None)

TIMETABLE = (
    "kurskod;datum;starttid;sluttid;skrivtid\n"
    "TDA357;2026-10-20;08:30;12:30;\n"
    "MVE045;2026-10-21;14:00;18:00;180\n"
)


def test_a_timetable_is_read_with_swedish_headers_and_matched_by_course_and_day() -> None:
    slots = read_timetable(TIMETABLE.encode(), "timetable.csv")
    assert slots == [SLOT, Slot(3, "MVE045", date(2026, 10, 21), time(14, 0), time(18, 0), 180)]
    assert slot_for(slots, {"TDA357", "TDA356"}, DAY, DAY) == SLOT
    assert slot_for(slots, {"TDA357"}, date(2026, 10, 21), date(2026, 10, 22)) is None


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ("TDA357,2026-13-01,08:30,12:30", ["row 2, column date: not a date (write it as 2026-10-20)"]),
        ("TDA357,2026-10-20,8:75,12:30", ["row 2, column start: not a time of day (write it as 08:30)"]),
        ("TDA357,2026-10-20,12:30,08:30", ["row 2, column end: 08:30 is not after the start 12:30"]),
        (",2026-10-20,08:30,12:30", ["row 2, column course_code: no course code"]),
        (
            "TDA357,2026-10-20,08:30,12:30\nTDA357,2026-10-20,14:00,18:00",
            ["row 3, column date: TDA357 on 2026-10-20 is also on row 2"],
        ),
    ],
)
def test_a_bad_timetable_is_refused_row_by_row(rows: str, errors: list[str]) -> None:
    with pytest.raises(SheetRefused) as refused:
        read_timetable(f"course_code,date,start,end\n{rows}\n".encode(), "timetable.csv")
    assert [str(e) for e in refused.value.errors] == errors


def test_a_duration_longer_than_the_slot_is_refused() -> None:
    content = b"course_code,date,start,end,duration_minutes\nTDA357,2026-10-20,08:30,12:30,300\n"
    with pytest.raises(SheetRefused, match="300 minutes is longer than 08:30-12:30"):
        read_timetable(content, "timetable.csv")
