"""The exam's times: the plan's own, the timetable's for what the plan leaves empty, Stockholm
local time turned into UTC; a time still missing refuses the plan, naming what is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from formats.timetable import read_timetable
from models.params import ExamTimes
from rules.exam_times import TimesMissing, exam_window
from rules.timetable import Slot, slot_for

DAY = date(2026, 10, 20)
SLOT = Slot(row=2, course_code="TDA357", day=DAY, start=time(8, 30), end=time(12, 30), duration_minutes=None)
WHERE = "with a row for TDA357 on 2026-10-20"


def test_the_plans_own_times_in_stockholm_time_become_utc() -> None:
    times = ExamTimes(exam_date=DAY, start_time=time(8, 30), end_time=time(12, 30))
    window = exam_window(times, None, where_to_look=WHERE)
    assert window.starts_at == datetime(2026, 10, 20, 6, 30, tzinfo=UTC)  # summer time: UTC+2
    assert window.ends_at == datetime(2026, 10, 20, 10, 30, tzinfo=UTC)
    assert window.duration_minutes == 240


def test_winter_time_is_an_hour_from_utc() -> None:
    times = ExamTimes(exam_date=date(2026, 11, 2), start_time=time(8, 30), end_time=time(12, 30))
    assert exam_window(times, None, where_to_look=WHERE).starts_at == datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def test_the_timetable_fills_what_the_plan_leaves_empty() -> None:
    window = exam_window(ExamTimes(duration_minutes=200), SLOT, where_to_look=WHERE)
    assert (window.starts_at, window.ends_at, window.duration_minutes) == (
        datetime(2026, 10, 20, 6, 30, tzinfo=UTC),
        datetime(2026, 10, 20, 10, 30, tzinfo=UTC),
        200,
    )
    later = exam_window(ExamTimes(start_time=time(9, 0)), SLOT, where_to_look=WHERE)
    assert later.starts_at == datetime(2026, 10, 20, 7, 0, tzinfo=UTC) and later.duration_minutes == 210


@pytest.mark.parametrize(
    ("times", "missing"),
    [
        (ExamTimes(), "no exam date, no start time, no end time"),
        (ExamTimes(exam_date=DAY, start_time=time(8, 30)), "no end time"),
        (ExamTimes(start_time=time(8, 30), end_time=time(12, 0)), "no exam date"),
    ],
)
def test_a_plan_without_a_time_is_refused_naming_what_is_missing(times: ExamTimes, missing: str) -> None:
    with pytest.raises(TimesMissing) as refused:
        exam_window(times, None, where_to_look=WHERE)
    assert f"the plan has {missing}: fill in the plan's times, or give a timetable {WHERE}" == str(
        refused.value
    )


def test_a_time_the_clocks_skip_is_refused() -> None:
    times = ExamTimes(exam_date=date(2027, 3, 28), start_time=time(2, 30), end_time=time(6, 0))
    with pytest.raises(TimesMissing, match="02:30 on 2027-03-28 does not exist in Stockholm"):
        exam_window(times, None, where_to_look=WHERE)


def test_two_rows_of_one_occasion_with_different_times_are_ambiguous() -> None:
    slots = read_timetable(
        b"course_code,date,start,end\nA1,2026-10-20,08:30,12:30\nB2,2026-10-20,09:00,13:00\n", "t.csv"
    )
    with pytest.raises(ValueError, match="different times for this occasion on rows 2, 3"):
        slot_for(slots, {"A1", "B2"}, DAY, DAY)
