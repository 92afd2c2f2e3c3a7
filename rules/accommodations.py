"""Decisions on support at exams (extra time, own room, equipment) from the support office: a
coordinator's file in the shape of a support system's export (.csv or .xlsx), or rows of a form.
Checked whole before anything is written, as grade sheets are: every error names its row and
column, and a personal identity number is never repeated in an error.

Each row names the student by personnummer or by the register's student uid, the decision
(granted or refused), the extra minutes, whether a separate room is needed, the equipment and
the days the decision is valid. The file (read by `formats.accommodations`) or the form is read
twice: first for the ids (`identities`), which the caller looks up in the register, then whole
(`read_decisions`) against what was found.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from rules.sheet_errors import SheetError, SheetRefused
from rules.timetable import parse_day

MAX_EXTRA_MINUTES = 600
MAX_EQUIPMENT = 500
DECISIONS = {
    "granted": True,
    "beviljad": True,
    "beviljat": True,
    "refused": False,
    "avslag": False,
    "avslagen": False,
}
YES = {"yes", "ja", "true", "1", "x"}
NO = {"", "no", "nej", "false", "0"}
_PNR = re.compile(r"^(\d{6}|\d{8})([-+]?)(\d{4})$")


@dataclass(frozen=True)
class Decision:
    row: int
    student_uid: str
    granted: bool
    extra_time_minutes: int
    separate_room: bool
    equipment: str
    valid_from: date
    valid_to: date

    def same_terms(self, other: Decision) -> bool:
        return (self.granted, self.extra_time_minutes, self.separate_room, self.equipment) == (
            other.granted,
            other.extra_time_minutes,
            other.separate_room,
            other.equipment,
        )


@dataclass(frozen=True)
class Table:
    """Rows as text cells by field name, with the column name each field's errors show."""

    rows: list[tuple[int, dict[str, str]]]
    names: dict[str, str]


def personnummer(text: str, today: date) -> str | None:
    """The 12-digit form of a Swedish personal identity (or coordination) number, or None when
    it is not one (shape, date or check digit)."""
    match = _PNR.match(text.strip())
    if match is None:
        return None
    born, sign, serial = match[1], match[2], match[3]
    if len(born) == 6:
        century = (today.year - (100 if sign == "+" else 0)) // 100
        full = f"{century}{born}"
        if int(full[:4]) > today.year - (100 if sign == "+" else 0):
            full = f"{century - 1}{born}"
        born = full
    year, month, day = int(born[:4]), int(born[4:6]), int(born[6:8])
    day = day - 60 if day > 60 else day  # a coordination number adds 60 to the day
    try:
        date(year, month, day)
    except ValueError:
        return None
    return born + serial if _luhn(born[2:] + serial) else None


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


def identities(table: Table, today: date) -> tuple[list[str], list[str]]:
    """The well-formed personnummer (12 digits) and student uids the table names, each once."""
    numbers = {p for _, cells in table.rows if (p := personnummer(cells.get("personnummer", ""), today))}
    uids = {u for _, cells in table.rows if _is_uid(u := cells.get("student_uid", ""))}
    return sorted(numbers), sorted(uids)


def _is_uid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclass
class _Checker:
    names: dict[str, str]
    students: Mapping[str, str]
    today: date
    errors: list[SheetError] = field(default_factory=list)

    def fail(self, row: int, name: str, reason: str) -> None:
        self.errors.append(SheetError(row, self.names.get(name, name), reason))

    def check(self, row: int, cells: dict[str, str]) -> Decision | None:
        before = len(self.errors)
        student = self.student(row, cells.get("personnummer", ""), cells.get("student_uid", ""))
        granted = self.decision(row, cells["decision"])
        minutes = self.minutes(row, cells.get("extra_minutes", ""), granted)
        room = self.flag(row, cells.get("separate_room", ""))
        equipment = cells.get("equipment", "")
        if len(equipment) > MAX_EQUIPMENT:
            self.fail(row, "equipment", f"{len(equipment)} characters, more than {MAX_EQUIPMENT}")
        valid_from, valid_to = self.period(row, cells["valid_from"], cells["valid_to"])
        if granted and minutes == 0 and not room and not equipment:
            self.fail(row, "decision", "granted, but no extra minutes, separate room or equipment")
        if len(self.errors) > before or None in (student, granted, minutes, room, valid_from, valid_to):
            return None
        return Decision(row, student, granted, minutes, room, equipment, valid_from, valid_to)  # type: ignore[arg-type]

    def student(self, row: int, number: str, uid: str) -> str | None:
        if number and uid:
            self.fail(row, "student_uid", "both a personnummer and a student uid: give one")
            return None
        if not number and not uid:
            self.fail(row, "personnummer" if "personnummer" in self.names else "student_uid", "no student")
            return None
        if number:
            normal = personnummer(number, self.today)
            if normal is None:
                self.fail(
                    row, "personnummer", "not a valid personal identity number (its date or check digit)"
                )
            elif normal not in self.students:
                self.fail(
                    row, "personnummer", "the register knows no student with this personal identity number"
                )
            return self.students.get(normal) if normal else None
        if not _is_uid(uid):
            self.fail(row, "student_uid", f"{uid!r} is not a student uid (a UUID)")
        elif uid not in self.students:
            self.fail(row, "student_uid", f"the register knows no student {uid}")
        return self.students.get(uid)

    def decision(self, row: int, text: str) -> bool | None:
        value = DECISIONS.get(text.casefold())
        if value is None:
            self.fail(row, "decision", f"{text!r} is neither granted nor refused")
        return value

    def minutes(self, row: int, text: str, granted: bool | None) -> int | None:
        if not text:
            return 0
        if not text.isdigit() or int(text) > MAX_EXTRA_MINUTES:
            self.fail(
                row,
                "extra_minutes",
                f"{text!r} is not a whole number of minutes from 0 to {MAX_EXTRA_MINUTES}",
            )
            return None
        if granted is False and int(text):
            self.fail(row, "extra_minutes", "a refused decision grants no extra minutes")
            return None
        return int(text)

    def flag(self, row: int, text: str) -> bool | None:
        word = text.casefold()
        if word in YES or word in NO:
            return word in YES
        self.fail(row, "separate_room", f"{text!r} is neither yes nor no")
        return None

    def period(self, row: int, first: str, last: str) -> tuple[date | None, date | None]:
        start, end = parse_day(first), parse_day(last)
        if start is None:
            self.fail(row, "valid_from", f"{first!r} is not a date (write it as 2026-08-24)")
        if end is None:
            self.fail(row, "valid_to", f"{last!r} is not a date (write it as 2027-01-17)")
        elif start is not None and end < start:
            self.fail(row, "valid_to", f"{end} is before valid_from {start}")
            return None, None
        elif end < self.today:
            self.fail(row, "valid_to", f"the decision expired on {end}")
            return None, None
        return start, end


def read_decisions(table: Table, *, students: Mapping[str, str], today: date) -> list[Decision]:
    """Every row's decision, `students` mapping each personnummer (12 digits) or uid the register
    knows to its student uid; any error refuses the whole table (`SheetRefused`)."""
    checker = _Checker(table.names, students, today)
    decisions = [d for n, cells in table.rows if (d := checker.check(n, cells)) is not None]
    errors = checker.errors + _overlaps(decisions, table.names)
    if errors:
        raise SheetRefused(sorted(errors, key=lambda e: e.row or 0))
    return decisions


def _overlaps(decisions: list[Decision], names: dict[str, str]) -> list[SheetError]:
    """A student's decisions may not cover a day twice: which would hold on it?"""
    errors = []
    by_student: dict[str, list[Decision]] = {}
    for d in decisions:
        by_student.setdefault(d.student_uid, []).append(d)
    for held in by_student.values():
        held.sort(key=lambda d: (d.valid_from, d.row))
        for earlier, later in zip(held, held[1:], strict=False):
            if later.valid_from > earlier.valid_to:
                continue
            column = names.get("valid_from", "valid_from")
            if later.same_terms(earlier) and (later.valid_from, later.valid_to) == (
                earlier.valid_from,
                earlier.valid_to,
            ):
                errors.append(SheetError(later.row, column, f"the same decision as row {earlier.row}"))
            else:
                errors.append(
                    SheetError(
                        later.row,
                        column,
                        f"overlaps row {earlier.row} for the same student "
                        f"({earlier.valid_from} to {earlier.valid_to})",
                    )
                )
    return errors
