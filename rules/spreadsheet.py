"""Grades from a spreadsheet a grader uploads (.xlsx or .csv), checked whole before anything is
written, and a codes-only grade export.

Before any parser sees the bytes: the file's size, its magic bytes against its extension (a PDF or a
program renamed .xlsx/.csv is refused) and, for .xlsx, the zip itself (entry count, unpacked total,
compression ratio: a zip bomb). A lying zip header cannot slip past either: zipfile reads an entry
only up to its declared size and checks its CRC. Formulas are never evaluated: openpyxl reads with
`data_only=False`, so a formula cell is the text of its formula, validated as that text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, NoReturn

import openpyxl
from openpyxl.utils import get_column_letter

from rules.grades import Scale, parse_grade

MAX_COMMENT = 4_000  # a grader's note holds this many characters


@dataclass(frozen=True)
class Limits:
    """What an upload may be; beyond any of these it is refused unread."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 20_000  # non-empty rows below the header
    max_unpacked: int = 50 * 1024 * 1024  # .xlsx: every zip entry unpacked, together
    max_ratio: float = 100.0  # .xlsx: unpacked / packed size of any one entry
    max_entries: int = 1_000  # .xlsx: files in the zip


LIMITS = Limits()


@dataclass(frozen=True)
class SheetError:
    """One thing wrong: `row` 1-based as the spreadsheet shows it (None: the file as a whole),
    `column` the header's name (or the column letter where there is none)."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else ""]
        place = ", ".join(p for p in where if p)
        return f"{place}: {self.reason}" if place else self.reason


class SheetRefused(ValueError):
    """The whole sheet is refused; `errors` lists every problem found."""

    def __init__(self, errors: list[SheetError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"- {e}" for e in self.errors)
        super().__init__(f"the spreadsheet was refused with {len(self.errors)} error(s):\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its errors (Prefect persists failures)
        return (type(self), (self.errors,))


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


def _refuse(reason: str) -> NoReturn:
    raise SheetRefused([SheetError(None, None, reason)])


# --- the file, before any parser -------------------------------------------------------------------

_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF",
    b"MZ": "a Windows program",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls/.doc)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def _looks_like(content: bytes) -> str | None:
    return next((name for magic, name in _SIGNATURES.items() if content.startswith(magic)), None)


def _file_kind(content: bytes, filename: str, limits: Limits) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("xlsx", "csv"):
        _refuse(f"{filename!r} is neither an .xlsx nor a .csv file")
    if not content:
        _refuse("the file is empty")
    if len(content) > limits.max_bytes:
        _refuse(f"the file is {len(content):,} bytes, more than the {limits.max_bytes:,} allowed")
    seen = _looks_like(content)
    if suffix == "xlsx" and seen != "a zip archive":
        _refuse(f"the file is {seen or 'not a workbook'}, not an .xlsx workbook (renamed?)")
    if suffix == "csv" and (seen or b"\x00" in content):
        _refuse(f"the file is {seen or 'binary'}, not a .csv text file (renamed?)")
    return suffix


def _check_zip(content: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        _refuse("the .xlsx is not a readable workbook (a damaged zip)")
    with archive:
        entries = archive.infolist()
    if len(entries) > limits.max_entries:
        _refuse(f"the workbook holds {len(entries)} files, more than the {limits.max_entries} allowed")
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= {e.filename for e in entries}:
        _refuse("the file is a zip archive but not an Excel workbook")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_unpacked:
        _refuse(f"the workbook unpacks to {unpacked:,} bytes, more than the {limits.max_unpacked:,} allowed")
    ratio = max(e.file_size / max(e.compress_size, 1) for e in entries)
    if ratio > limits.max_ratio:
        _refuse(
            f"the workbook is compressed {ratio:.0f} to 1, more than {limits.max_ratio:g} to 1 (a zip bomb?)"
        )


# --- cells as text -------------------------------------------------------------------------------

Rows = list[tuple[int, list[str]]]


def _text(value: Any) -> str:
    """A cell as the text it shows: formulas as their text, 12.0 as 12, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _bounded(rows: Iterator[tuple[int, list[str]]], limits: Limits) -> Rows:
    kept: Rows = []
    filled = 0
    for number, cells in rows:
        if any(c.strip() for c in cells):
            filled += 1
            if filled > limits.max_rows + 1:  # the header is not counted
                _refuse(f"the sheet has more than the {limits.max_rows:,} rows allowed")
            kept.append((number, cells))
    return kept


def _xlsx_rows(content: bytes, limits: Limits) -> Rows:
    _check_zip(content, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # a forged dimension must not pad every row to 16,384 cells
            numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
            return _bounded(((n, [_text(v) for v in row]) for n, row in numbered), limits)
        finally:
            book.close()
    except SheetRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key, value) for a damaged file
        _refuse(f"the .xlsx could not be read: {type(exc).__name__}: {exc}")


def _csv_rows(content: bytes, limits: Limits) -> Rows:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _refuse(f"the .csv is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'")
    header = text.split("\n", 1)[0]  # its names hold neither delimiter, so it shows which is used
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _bounded(((n, row) for n, row in enumerate(reader, start=1)), limits)
    except csv.Error as exc:
        _refuse(f"the .csv could not be read near line {reader.line_num}: {exc}")


def read_rows(content: bytes, filename: str, limits: Limits = LIMITS) -> Rows:
    """The non-empty rows of an uploaded .xlsx or .csv as text cells, each with its 1-based row
    number, after the same checks of the file as a grade sheet's; `SheetRefused` otherwise."""
    kind = _file_kind(content, filename, limits)
    return _xlsx_rows(content, limits) if kind == "xlsx" else _csv_rows(content, limits)


def column_names(header: list[str], width: int) -> list[str]:
    """Each column's name as an error shows it: the header's text, else its letter."""
    return _column_names(header, width)


# --- national ids ---------------------------------------------------------------------------------

_SE_SHORT = re.compile(r"(?<!\d)\d{2}(\d{2})(\d{2})[-+]\d{4}(?!\d)")  # YYMMDD-NNNN
_SE_LONG = re.compile(r"(?<!\d)(?:19|20)\d{2}(\d{2})(\d{2})-?\d{4}(?!\d)")  # YYYYMMDD(-)NNNN
_NO = re.compile(r"(?<!\d)(\d{2})(\d{2})\d{7}(?!\d)")  # DDMMYY + 5 digits


def _swedish_date(month: str, day: str) -> bool:
    # a coordination number (samordningsnummer) adds 60 to the day
    return 1 <= int(month) <= 12 and (1 <= int(day) <= 31 or 61 <= int(day) <= 91)


def _norwegian_date(day: str, month: str) -> bool:
    # a D-number adds 40 to the day; an H-number 40 and a synthetic (test) number 80 to the month
    d, m = int(day), int(month)
    return (1 <= d <= 31 or 41 <= d <= 71) and any(1 <= m - add <= 12 for add in (0, 40, 80))


_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")  # 900101 1234, 010190 12345
_DIGITS_ONLY = re.compile(r"^\d{9,12}$")


def _shaped_like_id(text: str) -> bool:
    return (
        any(_swedish_date(m[1], m[2]) for m in _SE_SHORT.finditer(text))
        or any(_swedish_date(m[1], m[2]) for m in _SE_LONG.finditer(text))
        or any(_norwegian_date(m[1], m[2]) for m in _NO.finditer(text))
    )


def _number_like_id(digits: str) -> bool:
    """A cell of bare digits: a personnummer without its hyphen (YYMMDDNNNN), or either country's
    id typed as a number that lost its leading zero (9 digits for Sweden's 10, 10 for Norway's 11)."""
    if not _DIGITS_ONLY.match(digits):
        return False
    swedish = digits.zfill(10) if len(digits) <= 10 else ""
    return bool(swedish and _swedish_date(swedish[2:4], swedish[4:6])) or _shaped_like_id(digits.zfill(11))


def looks_like_national_id(text: str) -> bool:
    """Whether `text` holds something shaped like a Swedish personnummer or a Norwegian
    fødselsnummer (a plausible date, no checksum: a mistyped id is still an id), written with a
    hyphen, a space between its groups or none, or as a number that lost its leading zero."""
    joined = _GROUP_SPACE.sub("", text)
    return _shaped_like_id(text) or _shaped_like_id(joined) or _number_like_id(joined.strip())


# --- the header and the rows ----------------------------------------------------------------------

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


def _column_names(header: list[str], width: int) -> list[str]:
    return [
        (header[i].strip() if i < len(header) else "") or f"column {get_column_letter(i + 1)}"
        for i in range(width)
    ]


def find_columns(
    header: list[str], aliases: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[dict[str, int], list[SheetError]]:
    """Field name → column index, and every error of the header."""
    field_of = {alias.casefold(): name for name, names in aliases.items() for alias in names}
    takes = ", ".join(aliases)
    found: dict[str, int] = {}
    errors: list[SheetError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        field_name = field_of.get(name.casefold())
        if field_name is None:
            errors.append(SheetError(1, name, f"unknown column; the sheet takes {takes}"))
        elif field_name in found:
            first = header[found[field_name]].strip()
            errors.append(SheetError(1, name, f"a second {field_name} column (the first is {first!r})"))
        else:
            found[field_name] = index
    for name in required:
        if name not in found:
            errors.append(SheetError(1, None, f"no {name} column (named one of: {', '.join(aliases[name])})"))
    return found, errors


def cell(cells: list[str], columns: Mapping[str, int], name: str) -> str:
    """The stripped text of a row's cell in the named column ('' when the column or cell is absent)."""
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


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
        _refuse("row 1 must be the header, naming the columns code and grade")
    header = rows[0][1]
    names = _column_names(header, max(len(cells) for _, cells in rows))
    id_errors, flagged = _national_ids(rows, names)
    named = [c if (1, i) not in flagged else "" for i, c in enumerate(header)]
    columns, errors = find_columns(named, _ALIASES, ("code", "grade"))
    if errors:
        raise SheetRefused(sorted(id_errors + errors, key=lambda e: e.row or 0))
    if len(rows) == 1:
        _refuse("the sheet has a header but no rows")
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
    kind = _file_kind(content, filename, limits)
    rows = _xlsx_rows(content, limits) if kind == "xlsx" else _csv_rows(content, limits)
    return _validate(rows, scale=scale, codes=codes, max_points=max_points, exact_width=kind == "csv")


# --- the export -----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("code", "grade", "points", "comment")
# A formula start, at the beginning of the text or of any part a spreadsheet program might split
# off at a separator, after any spaces (OWASP "CSV injection"; tab and CR start one too).
_FORMULA_PART = re.compile(r"(^|[,;|\t\r\n])([ \u00a0]*)(?=[=+\-@\t\r])")


def escape_cell(value: Any) -> Any:
    """Text with a `'` before every formula start, at its beginning or after a separator and any
    spaces, so that it stays text however it is split; other values as they are."""
    return _FORMULA_PART.sub(r"\1\2'", value) if isinstance(value, str) else value


def write_export(rows: Iterable[Mapping[str, Any]], fmt: str) -> bytes:
    """A codes-only grade export (code, grade, points, comment) as `xlsx` or `csv` (UTF-8 with a
    BOM, which Excel needs to read it as UTF-8); any other key of `rows` is left out."""
    table = [[escape_cell(row.get(c)) for c in EXPORT_COLUMNS] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows([["" if v is None else v for v in r] for r in table])
        return out.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(EXPORT_COLUMNS)
        for r in table:
            sheet.append(r)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"an export is 'csv' or 'xlsx', not {fmt!r}")
