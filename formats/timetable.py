"""The exam office's timetable file (.csv or .xlsx in the uploads folder, one row per course and
day), checked whole like a grade sheet: every row a course, a day and a start before its end."""

from __future__ import annotations

from datetime import date, time

from formats.rows import cell, column_names, find_columns, read_rows
from formats.upload import LIMITS, Limits
from rules.sheet_errors import SheetError, SheetRefused
from rules.timetable import Slot, parse_clock, parse_day

ALIASES: dict[str, tuple[str, ...]] = {
    "course_code": ("course_code", "course code", "kurskod"),
    "date": ("date", "datum", "exam_date"),
    "start": ("start", "start_time", "starttid"),
    "end": ("end", "end_time", "sluttid"),
    "duration_minutes": ("duration_minutes", "duration", "skrivtid"),
}


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
