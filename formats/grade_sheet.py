"""Grades from a spreadsheet a grader uploads (.xlsx or .csv), checked whole before anything is
written: every row's code, grade, points and comment, and no national id anywhere. Which grades a
scale holds is the rules' (`rules.grades`); how a sheet spells them, and what else its cells may
hold, is this format's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formats.rows import Rows, column_names, csv_rows, find_columns, xlsx_rows
from formats.upload import LIMITS, Limits, file_kind
from rules.grades import Scale, parse_grade
from rules.national_ids import looks_like_national_id
from rules.sheet_errors import SheetError, SheetRefused, refuse

MAX_COMMENT = 4_000  # a grader's note holds this many characters


@dataclass(frozen=True)
class SheetRow:
    row: int
    code: str
    grade: str
    points: float | None
    comment: str | None


@dataclass(frozen=True)
class GradeSheet:
    """The rows that set a grade, and the codes whose grade cell was empty (left alone)."""

    rows: tuple[SheetRow, ...]
    left_alone: tuple[str, ...]


_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "kod", "kandidatnummer", "kandidatnr", "anonymiseringskod"),
    "grade": ("grade", "karakter", "betyg"),
    "points": ("points", "poeng", "poäng", "poang"),
    "comment": ("comment", "kommentar"),
}
# Grades written as words keep their own case; letters must be capitals.
_WORD_SPELLINGS = frozenset({"Pass", "NotPass", "Godkjent", "Ikke godkjent"})
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_FORMULA_START = ("=", "+", "@")  # "-" starts a negative number, refused as such


@dataclass
class _Checker:
    """Checks the rows below the header, one by one, collecting every error."""

    scale: Scale
    codes: set[str]
    max_points: float | None
    columns: dict[str, int]
    names: list[str]
    flagged: set[tuple[int, int]]  # (row, column index) of cells holding a national id
    errors: list[SheetError] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)
    first_row: dict[str, int] = field(default_factory=dict)

    def fail(self, row: int, field_name: str, reason: str) -> None:
        self.errors.append(SheetError(row, self.names[self.columns[field_name]], reason))

    def cell(self, row: int, cells: list[str], field_name: str) -> str | None:
        """The cell's text ('' when absent), or None when it was flagged as a national id."""
        index = self.columns.get(field_name)
        if index is None:
            return ""
        if (row, index) in self.flagged:
            return None
        return cells[index] if index < len(cells) else ""

    def check(self, row: int, cells: list[str]) -> None:
        before = len(self.errors)
        code = self.code(row, self.cell(row, cells, "code"))
        grade_text = self.cell(row, cells, "grade")
        if grade_text is not None and not grade_text.strip():
            if code is not None:
                self.left_alone.append(code)
            return
        grade = None if grade_text is None else self.grade(row, grade_text)
        points = self.points(row, self.cell(row, cells, "points"))
        comment = self.comment(row, self.cell(row, cells, "comment"))
        if code is not None and grade is not None and len(self.errors) == before:
            self.rows.append(SheetRow(row, code, grade, points, comment))

    def code(self, row: int, text: str | None) -> str | None:
        if text is None:
            return None
        code = text.strip()
        if not code:
            self.fail(row, "code", "no code")
        elif code not in self.codes:
            self.fail(row, "code", f"unknown code {code!r}: not a candidate of this exam")
        elif code in self.first_row:
            self.fail(row, "code", f"duplicate code {code!r}: rows {self.first_row[code]} and {row}")
        else:
            self.first_row[code] = row
            return code
        return None

    def grade(self, row: int, text: str) -> str | None:
        word = text.strip()
        if word.startswith(_FORMULA_START):
            self.fail(row, "grade", "a formula, not a grade: type the grade itself (formulas are never run)")
            return None
        if word != word.upper() and word not in _WORD_SPELLINGS:
            self.fail(row, "grade", f"lower case {word!r}: grades are written in capitals ({word.upper()})")
            return None
        try:
            return parse_grade(self.scale, word)
        except ValueError:
            grades = ", ".join(self.scale.grades)
            self.fail(row, "grade", f"{word!r} is not a grade on scale {self.scale.value} ({grades})")
            return None

    def points(self, row: int, text: str | None) -> float | None:
        raw = (text or "").strip()
        if not raw:
            return None
        if not _NUMBER.match(raw):
            self.fail(row, "points", f"{raw!r} is not a number")
            return None
        value, top = float(raw.replace(",", ".")), self.max_points
        if value < 0 or (top is not None and value > top):
            bound = f"0..{top:g}" if top is not None else "0 or more"
            self.fail(row, "points", f"{value:g} points is outside {bound}")
            return None
        return value

    def comment(self, row: int, text: str | None) -> str | None:
        if text is None or not text.strip():
            return None
        if len(text) > MAX_COMMENT:
            self.fail(row, "comment", f"{len(text):,} characters, more than the {MAX_COMMENT:,} a note holds")
            return None
        return text


def _national_ids(rows: Rows, names: list[str]) -> tuple[list[SheetError], set[tuple[int, int]]]:
    """Every cell holding a national id; `names` spans the widest row, so each cell's column has one."""
    errors, flagged = [], set()
    for number, cells in rows:
        for index, text in enumerate(cells):
            if text and looks_like_national_id(text):
                flagged.add((number, index))
                errors.append(SheetError(number, names[index], "a national id where only codes belong"))
    return errors, flagged


def _width_errors(rows: Rows, *, exact: bool) -> list[SheetError]:
    """Rows that do not fit the header: in a .csv any other number of cells (an unquoted separator
    in a value shifts every cell after it), in a workbook a value beyond the header's last column."""
    header = rows[0][1]
    named = max((i + 1 for i, c in enumerate(header) if c.strip()), default=0)
    errors = []
    for number, cells in rows[1:]:
        if exact and len(cells) != len(header):
            reason = f"{len(cells)} cells where the header has {len(header)}: is a value missing, or does one hold an unquoted separator?"
            errors.append(SheetError(number, None, reason))
        elif not exact and any(c.strip() for c in cells[named:]):
            errors.append(SheetError(number, None, f"a value beyond the header's {named} columns"))
    return errors


def _validate(
    rows: Rows, *, scale: Scale, codes: set[str], max_points: float | None, exact_width: bool
) -> GradeSheet:
    if not rows or rows[0][0] != 1:
        refuse("row 1 must be the header, naming the columns code and grade")
    header = rows[0][1]
    names = column_names(header, max(len(cells) for _, cells in rows))
    id_errors, flagged = _national_ids(rows, names)
    named = [c if (1, i) not in flagged else "" for i, c in enumerate(header)]
    columns, errors = find_columns(named, _ALIASES, ("code", "grade"))
    if errors:
        raise SheetRefused(sorted(id_errors + errors, key=lambda e: e.row or 0))
    if len(rows) == 1:
        refuse("the sheet has a header but no rows")
    checker = _Checker(scale, codes, max_points, columns, names, flagged)
    width_errors = _width_errors(rows, exact=exact_width)
    for number, cells in rows[1:]:
        checker.check(number, cells)
    if id_errors or width_errors or checker.errors:
        raise SheetRefused(sorted(id_errors + width_errors + checker.errors, key=lambda e: e.row or 0))
    return GradeSheet(tuple(checker.rows), tuple(checker.left_alone))


def read_grades(
    content: bytes,
    filename: str,
    *,
    scale: Scale,
    codes: set[str],
    max_points: float | None,
    limits: Limits = LIMITS,
) -> GradeSheet:
    """The grades of an uploaded sheet, every row checked; any error refuses the whole sheet
    (`SheetRefused`, each error naming row, column and reason)."""
    kind = file_kind(content, filename, limits)
    rows = xlsx_rows(content, limits) if kind == "xlsx" else csv_rows(content, limits)
    return _validate(rows, scale=scale, codes=codes, max_points=max_points, exact_width=kind == "csv")
