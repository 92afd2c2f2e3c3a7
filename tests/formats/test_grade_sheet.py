"""Grade sheets: both formats read alike, every error named by row, column and reason, the file checked
(size, rows, magic bytes, zip bomb) before parsing, formulas kept as text and escaped on export."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest

from formats.export import escape_cell, write_export
from formats.grade_sheet import read_grades
from formats.upload import Limits
from rules.grades import Scale
from rules.sheet_errors import SheetError, SheetRefused

C1, C2, C3 = "TDA-0001-ABC", "TDA-0002-DEF", "TDA-0003-GHI"
CODES = {C1, C2, C3}
HEAD = ["code", "grade", "points", "comment"]


def as_csv(rows: list[list[Any]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[list[Any]]) -> bytes:
    """A workbook as Excel writes it: a string beginning '=' becomes a formula cell."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": as_csv, "xlsx": as_xlsx}


def read(rows: list[list[Any]], fmt: str, *, scale: Scale = Scale.AF, max_points: float | None = 20.0, **kw):
    return read_grades(
        WRITERS[fmt](rows), f"grades.{fmt}", scale=scale, codes=CODES, max_points=max_points, **kw
    )


def refusal(content: bytes, filename: str, **kw: Any) -> list[SheetError]:
    with pytest.raises(SheetRefused) as refused:
        read_grades(content, filename, scale=Scale.AF, codes=CODES, max_points=20.0, **kw)
    assert str(refused.value).count("\n- ") == len(refused.value.errors) > 0  # the message lists each
    return refused.value.errors


both = pytest.mark.parametrize("fmt", ["csv", "xlsx"])


# --- valid sheets ---------------------------------------------------------------------------------

VALID = [
    pytest.param(
        [HEAD, [C1, "B", 12.5, "good work"], [C2, "A", None, None]],
        Scale.AF,
        [(2, C1, "B", 12.5, "good work"), (3, C2, "A", None, None)],
        id="plain",
    ),
    pytest.param([HEAD, [C1, "C", "12,5", None]], Scale.AF, [(2, C1, "C", 12.5, None)], id="decimal-comma"),
    pytest.param(
        [["Kandidatnummer", "Karakter", "Poeng", "Kommentar"], [C1, "FX", 3, None]],
        Scale.AF,
        [(2, C1, "FX", 3.0, None)],
        id="norwegian-headers",
    ),
    pytest.param(
        [["KOD", "Betyg", "Poäng"], [C3, "VG", 20]],
        Scale.UGVG,
        [(2, C3, "VG", 20.0, None)],
        id="swedish",
    ),
    pytest.param(
        [["code", "grade"], [C1, "Pass"], [C2, "NotPass"], [C3, "P"]],
        Scale.PASS_FAIL,
        [(2, C1, "P", None, None), (3, C2, "F", None, None), (4, C3, "P", None, None)],
        id="pass-notpass",
    ),
    pytest.param([["grade", "code"], [4, C2]], Scale.U345, [(2, C2, "4", None, None)], id="numeric-grade"),
    pytest.param(
        [
            HEAD,
            [C1, "E", 0, '=HYPERLINK("http://evil")'],
            [C2, "D", 20, "+1 extra"],
            [C3, "A", 1, "@SUM(A1)"],
        ],
        Scale.AF,
        [
            (2, C1, "E", 0.0, '=HYPERLINK("http://evil")'),
            (3, C2, "D", 20.0, "+1 extra"),
            (4, C3, "A", 1.0, "@SUM(A1)"),
        ],
        id="formulas-kept-as-text",
    ),
    pytest.param(
        [HEAD, [C1, "B", None, "  spaced\nlines  "], [], [C2, "C", None, None]],
        Scale.AF,
        [(2, C1, "B", None, "  spaced\nlines  "), (4, C2, "C", None, None)],
        id="comment-verbatim-and-blank-row",
    ),
]


@both
@pytest.mark.parametrize(("rows", "scale", "expected"), VALID)
def test_a_valid_sheet_reads_alike_in_both_formats(fmt: str, rows, scale: Scale, expected) -> None:
    sheet = read(rows, fmt, scale=scale)
    assert [(r.row, r.code, r.grade, r.points, r.comment) for r in sheet.rows] == expected
    assert sheet.left_alone == ()


@both
def test_an_empty_grade_cell_leaves_the_candidate_alone(fmt: str) -> None:
    sheet = read([HEAD, [C1, "B", None, None], [C2, None, 7, "ignored"], [C3, "  ", None, None]], fmt)
    assert [r.code for r in sheet.rows] == [C1]
    assert sheet.left_alone == (C2, C3)


def test_csv_semicolons_and_a_byte_order_mark_are_read() -> None:
    content = "\ufeffkod;betyg;poäng\n" + f"{C1};B;12,5\n"
    sheet = read_grades(content.encode(), "x.csv", scale=Scale.AF, codes=CODES, max_points=None)
    assert [(r.code, r.grade, r.points) for r in sheet.rows] == [(C1, "B", 12.5)]


# --- every error, by row, column and reason --------------------------------------------------------

ERRORS = [
    pytest.param([HEAD, [C1, "b", None, None]], [(2, "grade", "lower case 'b'")], id="lower-case"),
    pytest.param(
        [["code", "grade"], [C1, "pass"]], [(2, "grade", "lower case 'pass'")], id="lower-case-word"
    ),
    pytest.param(
        [HEAD, [C1, "Q", None, None]], [(2, "grade", "'Q' is not a grade on scale A-F")], id="off-scale"
    ),
    pytest.param(
        [HEAD, [C1, "Pass", None, None]], [(2, "grade", "not a grade on scale A-F")], id="pass-on-a-f"
    ),
    pytest.param(
        [HEAD, [C1, "=A1", None, None]], [(2, "grade", "a formula, not a grade")], id="formula-grade"
    ),
    pytest.param([HEAD, [C1, "+B", None, None]], [(2, "grade", "a formula, not a grade")], id="formula-plus"),
    pytest.param(
        [HEAD, ["900101 1234", "B", None, None]], [(2, "code", "a national id")], id="personnummer-spaced"
    ),
    pytest.param(
        [HEAD, ["010190 12345", "B", None, None]], [(2, "code", "a national id")], id="fodselsnummer-spaced"
    ),
    pytest.param(
        [HEAD, [C1, "B", None, 1019012345]], [(2, "comment", "a national id")], id="id-lost-its-zero"
    ),
    pytest.param(
        [HEAD, ["TDA-9999-ZZZ", "B", None, None]], [(2, "code", "unknown code 'TDA-9999-ZZZ'")], id="unknown"
    ),
    pytest.param([HEAD, [None, "B", None, None]], [(2, "code", "no code")], id="no-code"),
    pytest.param(
        [HEAD, [C1, "B", None, None], [C2, "B", None, None], [C1, "C", None, None]],
        [(4, "code", f"duplicate code '{C1}': rows 2 and 4")],
        id="duplicate",
    ),
    pytest.param(
        [HEAD, [C1, None, None, None], [C1, "C", None, None]],
        [(3, "code", "duplicate code")],
        id="duplicate-with-an-empty-grade",
    ),
    pytest.param([HEAD, ["900101-1234", "B", None, None]], [(2, "code", "a national id")], id="personnummer"),
    pytest.param(
        [HEAD, ["199001011234", "B", None, None]], [(2, "code", "a national id")], id="personnummer-12"
    ),
    pytest.param(
        [HEAD, ["01019012345", "B", None, None]], [(2, "code", "a national id")], id="fodselsnummer"
    ),
    pytest.param(
        [HEAD, [C1, "B", None, "ill, see 19900101-1234"]],
        [(2, "comment", "a national id")],
        id="id-in-comment",
    ),
    pytest.param(
        [HEAD, [C1, "B", None, None, "01019012345"]],
        [(2, "column E", "a national id"), (2, None, "")],
        id="id-beyond-header",
    ),
    pytest.param([HEAD, [C1, "B", "abc", None]], [(2, "points", "'abc' is not a number")], id="points-text"),
    pytest.param([HEAD, [C1, "B", "1,2,3", None]], [(2, "points", "not a number")], id="points-commas"),
    pytest.param(
        [HEAD, [C1, "B", -1, None]], [(2, "points", "-1 points is outside 0..20")], id="points-negative"
    ),
    pytest.param(
        [HEAD, [C1, "B", "20,5", None]], [(2, "points", "20.5 points is outside 0..20")], id="points-max"
    ),
    pytest.param(
        [HEAD, [C1, "B", None, "x" * 4001]], [(2, "comment", "4,001 characters")], id="comment-long"
    ),
    pytest.param([["code", "points"], [C1, 3]], [(1, None, "no grade column")], id="no-grade-column"),
    pytest.param([["grade"], ["B"]], [(1, None, "no code column")], id="no-code-column"),
    pytest.param(
        [["code", "grade", "name"], [C1, "B", "Ola"]], [(1, "name", "unknown column")], id="unknown-column"
    ),
    pytest.param(
        [["code", "grade", "betyg"], [C1, "B", "B"]],
        [(1, "betyg", "a second grade column")],
        id="two-grade-columns",
    ),
    pytest.param([HEAD], [(None, None, "a header but no rows")], id="header-only"),
    pytest.param(
        [
            HEAD,
            [C1, "b", -2, None],
            ["TDA-9999-ZZZ", "A", None, None],
            [C2, "A", None, None],
            [C2, "Q", None, None],
        ],
        [
            (2, "grade", "lower case"),
            (2, "points", "outside"),
            (3, "code", "unknown code"),
            (5, "code", "duplicate code"),
            (5, "grade", "not a grade"),
        ],
        id="every-error-collected",
    ),
]


@both
@pytest.mark.parametrize(("rows", "expected"), ERRORS)
def test_every_error_names_row_column_and_reason(fmt: str, rows, expected) -> None:
    errors = refusal(WRITERS[fmt](rows), f"grades.{fmt}")
    assert len(errors) == len(expected), errors
    for error, (row, column, reason) in zip(errors, expected, strict=True):
        assert (error.row, error.column) == (row, column)
        assert reason in error.reason


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"{C1},B,12,5", "4 cells where the header has 3"),  # 12,5 meant as 12.5: never read as 12
        (f"{C1},B", "2 cells where the header has 3"),
        (f"{C1},B,12,", "4 cells where the header has 3"),
    ],
)
def test_a_csv_row_that_does_not_fit_the_header_is_refused_by_its_number(line: str, reason: str) -> None:
    content = f"code,grade,points\n{C2},A,3\n{line}\n".encode()
    errors = refusal(content, "grades.csv")
    assert [(e.row, e.column) for e in errors] == [(3, None)]
    assert reason in errors[0].reason


def test_a_workbook_value_beyond_the_header_is_refused_by_its_row() -> None:
    errors = refusal(as_xlsx([["code", "grade", "points"], [C1, "B", 12, 5]]), "grades.xlsx")
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, None, "a value beyond the header's 3 columns")
    ]


@both
@pytest.mark.parametrize("written", ["900101 1234", "010190 12345", "9001011234", 101011234, 1019012345])
def test_a_national_id_in_any_spacing_or_as_a_number_is_refused_unechoed(fmt: str, written: Any) -> None:
    errors = refusal(WRITERS[fmt]([HEAD, [C1, "B", None, written]]), f"g.{fmt}")
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "comment", "a national id where only codes belong")
    ]
    digits = str(written).replace(" ", "")
    assert digits[-4:] not in str(SheetRefused(errors))


@both
def test_a_national_id_is_never_echoed(fmt: str) -> None:
    errors = refusal(WRITERS[fmt]([HEAD, ["19900101-1234", "B", None, None]]), f"g.{fmt}")
    assert "1234" not in str(SheetRefused(errors))


def test_the_column_is_named_as_the_header_writes_it() -> None:
    errors = refusal(as_csv([["Kandidatnummer", "Karakter"], [C1, "b"]]), "g.csv")
    assert str(errors[0]) == "row 2, column Karakter: lower case 'b': grades are written in capitals (B)"


def test_points_need_only_be_non_negative_without_a_maximum() -> None:
    sheet = read([HEAD, [C1, "B", 250, None]], "csv", max_points=None)
    assert sheet.rows[0].points == 250.0
    with pytest.raises(SheetRefused, match="outside 0 or more"):
        read([HEAD, [C1, "B", -1, None]], "csv", max_points=None)


# --- the file, before any parser ------------------------------------------------------------------

WORKBOOK = as_xlsx([HEAD, [C1, "B", 1, None]])


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


FILES = [
    pytest.param(b"%PDF-1.7 ...", "grades.xlsx", {}, "the file is a PDF, not an .xlsx", id="pdf-as-xlsx"),
    pytest.param(b"%PDF-1.7 ...", "grades.csv", {}, "the file is a PDF, not a .csv", id="pdf-as-csv"),
    pytest.param(b"MZ\x90\x00\x03", "grades.csv", {}, "a Windows program, not a .csv", id="exe-as-csv"),
    pytest.param(b"MZ\x90\x00\x03", "grades.xlsx", {}, "a Windows program, not an .xlsx", id="exe-as-xlsx"),
    pytest.param(WORKBOOK, "grades.csv", {}, "a zip archive, not a .csv", id="xlsx-as-csv"),
    pytest.param(as_csv([HEAD]), "grades.xlsx", {}, "not a workbook, not an .xlsx", id="csv-as-xlsx"),
    pytest.param(b"code,grade\x00", "grades.csv", {}, "binary, not a .csv", id="nul-bytes"),
    pytest.param(as_csv([HEAD]), "grades.txt", {}, "neither an .xlsx nor a .csv", id="extension"),
    pytest.param(b"", "grades.csv", {}, "the file is empty", id="empty"),
    pytest.param(
        "kod,poäng\n".encode("latin-1"), "grades.csv", {}, "not UTF-8 text (byte 6)", id="not-utf-8"
    ),
    pytest.param(as_csv([HEAD] * 3), "g.csv", {"max_bytes": 40}, "more than the 40 allowed", id="size-csv"),
    pytest.param(WORKBOOK, "g.xlsx", {"max_bytes": 1000}, "more than the 1,000 allowed", id="size-xlsx"),
    pytest.param(
        as_csv([HEAD] + [[C1, "B"]] * 4), "g.csv", {"max_rows": 3}, "more than the 3 rows", id="rows-csv"
    ),
    pytest.param(
        as_xlsx([HEAD] + [[C1, "B"]] * 4), "g.xlsx", {"max_rows": 3}, "more than the 3 rows", id="rows-xlsx"
    ),
    pytest.param(
        zip_of(
            {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/bomb.xml": b"\0" * 2_000_000}
        ),
        "g.xlsx",
        {},
        "compressed",
        id="zip-bomb-ratio",
    ),
    pytest.param(WORKBOOK, "g.xlsx", {"max_unpacked": 5_000}, "unpacks to", id="zip-bomb-total"),
    pytest.param(WORKBOOK, "g.xlsx", {"max_entries": 3}, "more than the 3 allowed", id="zip-entries"),
    pytest.param(
        zip_of({"a.txt": b"hello"}), "g.xlsx", {}, "a zip archive but not an Excel workbook", id="zip"
    ),
    pytest.param(
        zip_of({"[Content_Types].xml": b"<x", "xl/workbook.xml": b"<x"}),
        "g.xlsx",
        {},
        "the .xlsx could not be read",
        id="damaged",
    ),
    pytest.param(b"PK\x03\x04 not really a zip", "g.xlsx", {}, "a damaged zip", id="bad-zip"),
    pytest.param(
        as_csv([[], HEAD, [C1, "B"]]), "g.csv", {}, "row 1 must be the header", id="header-not-first"
    ),
]


@pytest.mark.parametrize(("content", "filename", "limits", "reason"), FILES)
def test_a_file_is_refused_whole_before_parsing(content: bytes, filename: str, limits, reason: str) -> None:
    errors = refusal(content, filename, limits=Limits(**limits))
    assert len(errors) == 1 and errors[0].row is None, errors
    assert reason in errors[0].reason


def test_limits_count_rows_not_the_header_nor_blank_rows() -> None:
    content = as_csv([["code", "grade"], [C1, "B"], [], [], [C2, "C"], [C3, "D"]])
    sheet = read_grades(
        content, "g.csv", scale=Scale.AF, codes=CODES, max_points=None, limits=Limits(max_rows=3)
    )
    assert len(sheet.rows) == 3


# --- the export -----------------------------------------------------------------------------------

EXPORT = [
    {"code": C1, "grade": "B", "points": 12.5, "comment": "=1+1", "name": "Ola Nordmann"},
    {"code": C2, "grade": "A", "points": -0.0, "comment": "-5 for lateness"},
    {"code": C3, "grade": "C", "points": None, "comment": "@cmd"},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        (" =1+1", " '=1+1"),
        ("x;=1+1", "x;'=1+1"),
        ("x, =1+1", "x, '=1+1"),
        ("a|@b\n-c", "a|'@b\n'-c"),
        ("1+1", "1+1"),
        ("ok", "ok"),
        (-1.5, -1.5),
    ],
)
def test_escape_cell(value: Any, expected: Any) -> None:
    assert escape_cell(value) == expected


def test_the_csv_export_escapes_formulas_and_carries_codes_only() -> None:
    content = write_export(EXPORT, "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        ["code", "grade", "points", "comment"],
        [C1, "B", "12.5", "'=1+1"],
        [C2, "A", "-0.0", "'-5 for lateness"],
        [C3, "C", "", "'@cmd"],
    ]
    assert b"Ola" not in content


def test_the_xlsx_export_escapes_formulas_as_text_cells() -> None:
    content = write_export(EXPORT, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content), data_only=False).active
    assert [c.value for c in sheet[2]] == [C1, "B", 12.5, "'=1+1"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "Ola" not in [c.value for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reads_back_as_an_upload(fmt: str) -> None:
    sheet = read_grades(write_export(EXPORT[:1], fmt), f"g.{fmt}", scale=Scale.AF, codes=CODES, max_points=20)
    assert [(r.code, r.grade, r.points, r.comment) for r in sheet.rows] == [(C1, "B", 12.5, "'=1+1")]


def test_an_export_format_must_be_known() -> None:
    with pytest.raises(ValueError, match="'csv' or 'xlsx', not 'pdf'"):
        write_export(EXPORT, "pdf")
