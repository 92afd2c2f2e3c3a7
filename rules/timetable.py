"""The exam office's timetable: which course sits its exam on which day, from when to when
(Stockholm local time). A .csv or .xlsx in the uploads folder with one row per course and day;
checked whole like a grade sheet, and read by planning for the times a plan leaves empty."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time

from rules.spreadsheet import (
    LIMITS,
    Limits,
    SheetError,
    SheetRefused,
    cell,
    column_names,
    find_columns,
    read_rows,
)

ALIASES: dict[str, tuple[str, ...]] = {
    "course_code": ("course_code", "course code", "kurskod"),
    "date": ("date", "datum", "exam_date"),
    "start": ("start", "start_time", "starttid"),
    "end": ("end", "end_time", "sluttid"),
    "duration_minutes": ("duration_minutes", "duration", "skrivtid"),
}
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


def read_timetable(content: bytes, filename: str, limits: Limits = LIMITS) -> list[Slot]:
    """Every row of the timetable, or `SheetRefused` naming each bad row and column."""
    rows = read_rows(content, filename, limits)
    if not rows or rows[0][0] != 1:
        raise SheetRefused(
            [SheetError(None, None, "row 1 must be the header (course_code, date, start, end)")]
        )
    header = rows[0][1]
    columns, errors = find_columns(header, ALIASES, ("course_code", "date", "start", "end"))
    if errors:
        raise SheetRefused(errors)
    names = column_names(header, max(len(cells) for _, cells in rows))
    slots: list[Slot] = []
    first: dict[tuple[str, date], int] = {}
    for number, cells in rows[1:]:
        slot = _slot(number, cells, columns, names, errors)
        if slot is None:
            continue
        key = (slot.course_code, slot.day)
        if key in first:
            errors.append(
                SheetError(
                    number,
                    names[columns["date"]],
                    f"{slot.course_code} on {slot.day} is also on row {first[key]}",
                )
            )
            continue
        first[key] = number
        slots.append(slot)
    if errors:
        raise SheetRefused(errors)
    return slots


def _slot(
    number: int, cells: list[str], columns: dict[str, int], names: list[str], errors: list[SheetError]
) -> Slot | None:
    before = len(errors)

    def fail(name: str, reason: str) -> None:
        errors.append(SheetError(number, names[columns[name]], reason))

    code = cell(cells, columns, "course_code")
    if not code:
        fail("course_code", "no course code")
    day = parse_day(cell(cells, columns, "date"))
    if day is None:
        fail("date", "not a date (write it as 2026-10-20)")
    start, end = (parse_clock(cell(cells, columns, name)) for name in ("start", "end"))
    if start is None:
        fail("start", "not a time of day (write it as 08:30)")
    if end is None:
        fail("end", "not a time of day (write it as 12:30)")
    elif start is not None and end <= start:
        fail("end", f"{end:%H:%M} is not after the start {start:%H:%M}")
    duration = _minutes(cell(cells, columns, "duration_minutes"), start, end)
    if isinstance(duration, str):
        fail("duration_minutes", duration)
    if len(errors) > before or day is None or start is None or end is None or isinstance(duration, str):
        return None
    return Slot(number, code, day, start, end, duration)


def _minutes(text: str, start: time | None, end: time | None) -> int | None | str:
    """The duration in minutes, None when empty, or the reason it is wrong."""
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        return f"{text!r} is not a whole number of minutes"
    if start is not None and end is not None and start < end:
        window = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if int(text) > window:
            return f"{text} minutes is longer than {start:%H:%M}-{end:%H:%M} ({window} minutes)"
    return int(text)


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
