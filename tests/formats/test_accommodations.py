"""The support office's export as a file: its header checked, a renamed file refused unread."""

from __future__ import annotations

import pytest

from formats.accommodations import read_table
from rules.sheet_errors import SheetRefused

UID_B = "0b0e5c2e-6a43-4f4e-9d3c-2f0b8a1d0002"


def sheet(*rows: str, header: str) -> bytes:
    return "\n".join([header, *rows]).encode()


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (
            "decision,extra_minutes,valid_from,valid_to",
            "row 1: no personnummer and no student_uid column: one is needed",
        ),
        (
            "student_uid,decision,extra_minutes,valid_from",
            "row 1: no valid_to column (named one of: valid_to, giltig_till, giltig till)",
        ),
        (
            "student_uid,decision,valid_from,valid_to,shoe_size",
            "row 1, column shoe_size: unknown column; the sheet takes personnummer, student_uid, decision, extra_minutes, separate_room, equipment, valid_from, valid_to",
        ),
    ],
)
def test_a_bad_header_is_refused(header: str, error: str) -> None:
    with pytest.raises(SheetRefused) as refused:
        read_table(sheet(f"{UID_B},granted,30,2027-01-17", header=header), "support.csv")
    assert error in [str(e) for e in refused.value.errors]


def test_a_renamed_file_is_refused_unread() -> None:
    with pytest.raises(SheetRefused, match="not a .csv text file"):
        read_table(b"%PDF-1.7 ...", "support.csv")
