"""A codes-only grade export, its cells escaped so that no spreadsheet program runs them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

import openpyxl

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
