"""The support office's export of decisions on support at exams (.csv or .xlsx): its header's
columns found and no national id outside the personnummer column. The rows' decisions are checked
by `rules.accommodations`."""

from __future__ import annotations

from formats.rows import cell, column_names, find_columns, read_rows
from formats.upload import LIMITS, Limits
from rules.accommodations import Table
from rules.national_ids import looks_like_national_id
from rules.sheet_errors import SheetError, SheetRefused

ALIASES: dict[str, tuple[str, ...]] = {
    "personnummer": ("personnummer", "personal_identity_number", "pnr"),
    "student_uid": ("student_uid", "studentuid", "ladok_uid"),
    "decision": ("decision", "beslut"),
    "extra_minutes": ("extra_minutes", "extra_time_minutes", "forlangd_skrivtid", "förlängd skrivtid"),
    "separate_room": ("separate_room", "eget_rum", "eget rum"),
    "equipment": ("equipment", "hjalpmedel", "hjälpmedel"),
    "valid_from": ("valid_from", "giltig_fran", "giltig från"),
    "valid_to": ("valid_to", "giltig_till", "giltig till"),
}
REQUIRED = ("decision", "valid_from", "valid_to")


def read_table(content: bytes, filename: str, limits: Limits = LIMITS) -> Table:
    """The file's rows by field, or `SheetRefused` for the file or its header."""
    rows = read_rows(content, filename, limits)
    if not rows or rows[0][0] != 1:
        raise SheetRefused([SheetError(None, None, "row 1 must be the header, naming the columns")])
    header = rows[0][1]
    columns, errors = find_columns(header, ALIASES, REQUIRED)
    if not {"personnummer", "student_uid"} & set(columns):
        errors.append(SheetError(1, None, "no personnummer and no student_uid column: one is needed"))
    if errors:
        raise SheetRefused(errors)
    if len(rows) == 1:
        raise SheetRefused([SheetError(None, None, "the file has a header but no rows")])
    width = max(len(cells) for _, cells in rows)
    shown = column_names(header, width)
    others = [
        SheetError(n, shown[i], "a national id outside the personnummer column")
        for n, cells in rows[1:]
        for i, text in enumerate(cells)
        if i != columns.get("personnummer") and text and looks_like_national_id(text)
    ]
    if others:
        raise SheetRefused(others)
    table_rows = [(n, {name: cell(cells, columns, name) for name in columns}) for n, cells in rows[1:]]
    return Table(table_rows, {name: shown[i] for name, i in columns.items()})
