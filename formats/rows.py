"""The rows of an uploaded .xlsx or .csv as text cells, and its header's columns found by name.
Formulas are never evaluated: openpyxl reads with `data_only=False`, so a formula cell is the text
of its formula, validated as that text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from formats.upload import LIMITS, Limits, check_zip, file_kind
from rules.sheet_errors import SheetError, SheetRefused, refuse

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
                refuse(f"the sheet has more than the {limits.max_rows:,} rows allowed")
            kept.append((number, cells))
    return kept


def xlsx_rows(content: bytes, limits: Limits) -> Rows:
    """The first sheet's non-empty rows, its zip checked first."""
    check_zip(content, limits)
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
        refuse(f"the .xlsx could not be read: {type(exc).__name__}: {exc}")


def csv_rows(content: bytes, limits: Limits) -> Rows:
    """The non-empty rows of UTF-8 text, separated by commas or semicolons as its header is."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        refuse(f"the .csv is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'")
    header = text.split("\n", 1)[0]  # its names hold neither delimiter, so it shows which is used
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _bounded(((n, row) for n, row in enumerate(reader, start=1)), limits)
    except csv.Error as exc:
        refuse(f"the .csv could not be read near line {reader.line_num}: {exc}")


def read_rows(content: bytes, filename: str, limits: Limits = LIMITS) -> Rows:
    """The non-empty rows of an uploaded .xlsx or .csv as text cells, each with its 1-based row
    number, after the same checks of the file as a grade sheet's; `SheetRefused` otherwise."""
    kind = file_kind(content, filename, limits)
    return xlsx_rows(content, limits) if kind == "xlsx" else csv_rows(content, limits)


def column_names(header: list[str], width: int) -> list[str]:
    """Each column's name as an error shows it: the header's text, else its letter."""
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
