"""The HR systems' import files: one layout each, rendered as its system reads it."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from formats.hr_files import LAYOUTS, PAGA, PRIMULA, file_name, layout_for, render

ROW = {
    "employee_id": "staff-grader-ext-1",
    "name": "Greta Dahl",
    "hours": Decimal("1.5"),
    "rate": Decimal("450"),
    "amount": Decimal("675"),
    "day": date(2026, 11, 30),
    "text": "occ-1 Linear algebra: candidate EX-0001-ABC",
}


def rows_of(content: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_each_country_has_its_hr_system() -> None:
    assert layout_for("NO") is PAGA
    assert layout_for("SE") is PRIMULA
    assert set(LAYOUTS) == {"NO", "SE"}


def test_a_paga_file_has_norwegian_decimals_and_dates() -> None:
    header, row = rows_of(render(PAGA, [ROW]))
    assert header == ["ansattnr", "navn", "lonnsart", "antall", "sats", "belop", "dato", "tekst"]
    assert row == [
        "staff-grader-ext-1",
        "Greta Dahl",
        PAGA.wage_type,
        "1,50",
        "450,00",
        "675,00",
        "30.11.2026",
        "occ-1 Linear algebra: candidate EX-0001-ABC",
    ]


def test_a_primula_file_has_its_own_columns() -> None:
    header, row = rows_of(render(PRIMULA, [ROW]))
    assert header == ["anstallningsnr", "namn", "loneart", "antal", "apris", "belopp", "datum", "benamning"]
    assert row[2:7] == [PRIMULA.wage_type, "1,50", "450,00", "675,00", "2026-11-30"]


def test_text_that_a_spreadsheet_would_run_as_a_formula_stays_text() -> None:
    _, row = rows_of(render(PAGA, [{**ROW, "name": "=HYPERLINK(1)"}]))
    assert row[1] == "'=HYPERLINK(1)"


def test_the_file_is_named_by_system_exam_grader_and_timesheet() -> None:
    assert (
        file_name(PAGA, occasion_id="occ-1", staff_id="staff-1", timesheet_id=7) == "paga-occ-1-staff-1-7.csv"
    )
