"""The files the HR systems import graders' approved claims from, one file per grader and timesheet:
Paga for a Norwegian exam, Primula for a Swedish one. Neither system has a public API nor a public
import format, so each file's layout is modelled (unverified) and kept here, as data, in one place:
an institution whose HR system expects other columns changes them here and nowhere else.

A row is one claim line (and one more for a minimum fee's top-up): the person, the wage type, the
hours, the hourly rate, the amount, the day and a text naming the exam and the work."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from formats.export import escape_cell


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the key of a row: employee_id, name, wage_type, hours, rate, amount, day, text


@dataclass(frozen=True)
class Layout:
    system: str  # as examflow names it: the folder its files go to
    title: str
    wage_type: str  # the pay code a grader's fee is booked under (each institution has its own)
    columns: tuple[Column, ...]
    delimiter: str = ";"
    decimal_comma: bool = True
    date_format: str = "%Y-%m-%d"
    encoding: str = "utf-8-sig"  # with a BOM, so that a spreadsheet opens it as UTF-8


PAGA = Layout(
    system="paga",
    title="Paga",
    wage_type="SENSUR",
    columns=(
        Column("ansattnr", "employee_id"),
        Column("navn", "name"),
        Column("lonnsart", "wage_type"),
        Column("antall", "hours"),
        Column("sats", "rate"),
        Column("belop", "amount"),
        Column("dato", "day"),
        Column("tekst", "text"),
    ),
    date_format="%d.%m.%Y",
)

PRIMULA = Layout(
    system="primula",
    title="Primula",
    wage_type="ARVODE",
    columns=(
        Column("anstallningsnr", "employee_id"),
        Column("namn", "name"),
        Column("loneart", "wage_type"),
        Column("antal", "hours"),
        Column("apris", "rate"),
        Column("belopp", "amount"),
        Column("datum", "day"),
        Column("benamning", "text"),
    ),
)

LAYOUTS = {"NO": PAGA, "SE": PRIMULA}


def layout_for(country: str) -> Layout:
    return LAYOUTS[country]


def file_name(layout: Layout, *, occasion_id: str, staff_id: str, timesheet_id: int) -> str:
    return f"{layout.system}-{occasion_id}-{staff_id}-{timesheet_id}.csv"


def render(layout: Layout, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The file's bytes: a header row of the layout's column names, then one row per entry."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, lineterminator="\r\n")
    writer.writerow([c.header for c in layout.columns])
    for row in rows:
        values = {**row, "wage_type": layout.wage_type}
        writer.writerow([_cell(layout, values.get(c.field)) for c in layout.columns])
    return out.getvalue().encode(layout.encoding)


def _cell(layout: Layout, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if layout.decimal_comma else text
    if isinstance(value, date):
        return value.strftime(layout.date_format)
    return str(escape_cell(str(value)))
