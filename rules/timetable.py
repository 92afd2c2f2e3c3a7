"""The exam office's timetable: which course sits its exam on which day, from when to when
(Stockholm local time), read by planning for the times a plan leaves empty. The file is read by
`formats.timetable`; here are its rows, how a day and a time of day are written, and which row an
occasion takes."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?::00)?$")


@dataclass(frozen=True)
class Slot:
    """One timetable row: the course's exam on `day`, `start` to `end` in Stockholm local time."""

    row: int
    course_code: str
    day: date
    start: time
    end: time
    duration_minutes: int | None


def parse_day(text: str) -> date | None:
    """An ISO date; a spreadsheet's date cell (shown as midnight) too."""
    text = text.removesuffix("T00:00:00").removesuffix(" 00:00:00")
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_clock(text: str) -> time | None:
    """08:30, 8.30 or a spreadsheet's time cell (08:30:00)."""
    match = _CLOCK.match(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def slot_for(slots: list[Slot], course_codes: Collection[str], first: date, last: date) -> Slot | None:
    """The timetable's row for one of the occasion's course codes on one of its days; None when
    there is none, ValueError naming the rows when there are several."""
    found = [s for s in slots if s.course_code in course_codes and first <= s.day <= last]
    if len(found) > 1 and len({(s.day, s.start, s.end, s.duration_minutes) for s in found}) > 1:
        rows = ", ".join(str(s.row) for s in found)
        raise ValueError(f"the timetable gives different times for this occasion on rows {rows}")
    return found[0] if found else None
