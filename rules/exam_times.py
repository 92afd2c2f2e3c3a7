"""The exam's times as planned: the plan's own fields first, the timetable's row for what they
leave empty, turned into UTC instants from Stockholm local time. Nothing is guessed: a time still
missing refuses the plan, naming what is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from models.domain import ExamWindow
from models.params import ExamTimes
from rules.timetable import Slot

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class TimesMissing(ValueError):
    """The plan and the timetable together leave a time unknown."""


def exam_window(times: ExamTimes, slot: Slot | None, *, where_to_look: str) -> ExamWindow:
    """The window the plan's `times` and the timetable's `slot` give; `where_to_look` ends the
    refusal's message (what a timetable row would have to name)."""
    day = times.exam_date or (slot.day if slot else None)
    start = times.start_time or (slot.start if slot else None)
    end = times.end_time or (slot.end if slot else None)
    missing = [
        name
        for name, value in (("exam date", day), ("start time", start), ("end time", end))
        if value is None
    ]
    if missing or day is None or start is None or end is None:
        raise TimesMissing(
            f"the plan has no {', no '.join(missing)}: fill in the plan's times, or give a timetable "
            f"{where_to_look}"
        )
    starts_at, ends_at = _instant(day, start), _instant(day, end)
    duration = times.duration_minutes or (slot.duration_minutes if slot else None)
    if duration is None:
        duration = int((ends_at - starts_at).total_seconds() // 60)
    return ExamWindow(starts_at=starts_at, ends_at=ends_at, duration_minutes=duration)


def _instant(day: date, clock: time) -> datetime:
    """Stockholm local time as UTC; a time the clocks skip that day is refused."""
    local = datetime.combine(day, clock, STOCKHOLM)
    instant = local.astimezone(UTC)
    if instant.astimezone(STOCKHOLM).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimesMissing(f"{clock:%H:%M} on {day} does not exist in Stockholm (the clocks skip it)")
    return instant


def local_day(moment: datetime) -> date:
    """The day an instant falls on in Stockholm."""
    return moment.astimezone(STOCKHOLM).date()
