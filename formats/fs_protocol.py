"""The protocol file of a new grade after an appeal, which the exam office imports into FS ("register
new grade"): FS takes no grades over its API and the platform's transfer to FS runs once only. FS
publishes no import format, so the layout is modelled (unverified) and kept here, in one place:
`;`-separated UTF-8 with a header row, one row per new grade, the candidate by FS's candidate number
and the grade by FS's name of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from formats.export import escape_cell

HEADER = ("vurderingsenhet", "kandidatnummer", "karakter", "dato", "merknad")


class NewGrade(NamedTuple):
    unit_id: str  # FS's assessment unit: the occasion
    candidate: str  # FS's candidate number
    grade: str  # as FS names it
    decided_on: date
    note: str  # why: an appeal decided, and by whom


def protocol_file(rows: Sequence[NewGrade]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            [escape_cell(v) for v in (r.unit_id, r.candidate, r.grade, r.decided_on.isoformat(), r.note)]
        )
    return out.getvalue().encode("utf-8")
