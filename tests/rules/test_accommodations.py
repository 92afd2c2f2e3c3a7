"""The support office's decisions as a coordinator's file: checked whole like a grade sheet, every
error naming its row and column, a personal identity number never repeated in an error."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from formats.accommodations import read_table
from rules.accommodations import Decision, identities, personnummer, read_decisions
from rules.sheet_errors import SheetRefused

TODAY = date(2026, 10, 1)
UID_A = "0b0e5c2e-6a43-4f4e-9d3c-2f0b8a1d0001"
UID_B = "0b0e5c2e-6a43-4f4e-9d3c-2f0b8a1d0002"
HEADER = "personnummer,student_uid,decision,extra_minutes,separate_room,equipment,valid_from,valid_to"


def with_check_digit(born: str, serial: str) -> str:
    """`YYYYMMDD-NNN` with its Luhn check digit."""
    digits = born[2:] + serial
    total = sum(
        (int(ch) * (2 if i % 2 == 0 else 1)) // 10 + (int(ch) * (2 if i % 2 == 0 else 1)) % 10
        for i, ch in enumerate(digits)
    )
    return f"{born}-{serial}{(10 - total % 10) % 10}"


PNR = with_check_digit("19950317", "238")
PNR_DIGITS = PNR.replace("-", "")
STUDENTS = {PNR_DIGITS: UID_A, UID_A: UID_A, UID_B: UID_B}  # as the register answers a lookup


def sheet(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def read(content: bytes, filename: str = "support.csv") -> list[Decision]:
    return read_decisions(read_table(content, filename), students=STUDENTS, today=TODAY)


def refusal(content: bytes) -> list[str]:
    with pytest.raises(SheetRefused) as refused:
        read(content)
    return [str(e) for e in refused.value.errors]


def test_a_valid_export_is_read_by_personnummer_or_uid() -> None:
    content = sheet(
        f"{PNR},,granted,60,yes,Uppläsningsprogram,2026-08-24,2027-01-17",
        f",{UID_B},beviljad,30,nej,,2026-08-24,2027-01-17",
        f",{UID_A},refused,,,,2027-01-18,2027-06-30",
    )
    assert identities(read_table(content, "s.csv"), TODAY) == ([PNR_DIGITS], sorted([UID_A, UID_B]))
    decisions = read(content)
    assert [(d.row, d.student_uid, d.granted, d.extra_time_minutes, d.separate_room) for d in decisions] == [
        (2, UID_A, True, 60, True),
        (3, UID_B, True, 30, False),
        (4, UID_A, False, 0, False),
    ]


def test_the_short_and_dashless_forms_of_a_personnummer_are_one_number() -> None:
    assert personnummer(PNR, TODAY) == personnummer(PNR_DIGITS, TODAY) == personnummer(PNR[2:], TODAY)
    assert personnummer(PNR_DIGITS, TODAY) == PNR_DIGITS


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            f"{PNR[:-1]}{(int(PNR[-1]) + 1) % 10},,granted,60,no,,2026-08-24,2027-01-17",
            "row 2, column personnummer: not a valid personal identity number (its date or check digit)",
        ),
        (
            f"{with_check_digit('19950317', '111')},,granted,60,no,,2026-08-24,2027-01-17",
            "row 2, column personnummer: the register knows no student with this personal identity number",
        ),
        (
            ",not-a-uid,granted,60,no,,2026-08-24,2027-01-17",
            "row 2, column student_uid: 'not-a-uid' is not a student uid (a UUID)",
        ),
        (
            ",0b0e5c2e-6a43-4f4e-9d3c-2f0b8a1d0099,granted,60,no,,2026-08-24,2027-01-17",
            "row 2, column student_uid: the register knows no student 0b0e5c2e-6a43-4f4e-9d3c-2f0b8a1d0099",
        ),
        (
            f"{PNR},{UID_B},granted,60,no,,2026-08-24,2027-01-17",
            "row 2, column student_uid: both a personnummer and a student uid: give one",
        ),
        (
            f",{UID_B},granted,sixty,no,,2026-08-24,2027-01-17",
            "row 2, column extra_minutes: 'sixty' is not a whole number of minutes from 0 to 600",
        ),
        (
            f",{UID_B},granted,-5,no,,2026-08-24,2027-01-17",
            "row 2, column extra_minutes: '-5' is not a whole number of minutes from 0 to 600",
        ),
        (
            f",{UID_B},granted,900,no,,2026-08-24,2027-01-17",
            "row 2, column extra_minutes: '900' is not a whole number of minutes from 0 to 600",
        ),
        (
            f",{UID_B},refused,30,no,,2026-08-24,2027-01-17",
            "row 2, column extra_minutes: a refused decision grants no extra minutes",
        ),
        (
            f",{UID_B},maybe,30,no,,2026-08-24,2027-01-17",
            "row 2, column decision: 'maybe' is neither granted nor refused",
        ),
        (
            f",{UID_B},granted,0,no,,2026-08-24,2027-01-17",
            "row 2, column decision: granted, but no extra minutes, separate room or equipment",
        ),
        (
            f",{UID_B},granted,30,perhaps,,2026-08-24,2027-01-17",
            "row 2, column separate_room: 'perhaps' is neither yes nor no",
        ),
        (
            f",{UID_B},granted,30,no,,2026-08-24,2026-09-30",
            "row 2, column valid_to: the decision expired on 2026-09-30",
        ),
        (
            f",{UID_B},granted,30,no,,2027-01-17,2026-08-24",
            "row 2, column valid_to: 2026-08-24 is before valid_from 2027-01-17",
        ),
        (
            f",{UID_B},granted,30,no,,24/8/2026,2027-01-17",
            "row 2, column valid_from: '24/8/2026' is not a date (write it as 2026-08-24)",
        ),
        (
            f",{UID_B},granted,30,no,{PNR},2026-08-24,2027-01-17",
            "row 2, column equipment: a national id outside the personnummer column",
        ),
    ],
)
def test_each_bad_row_is_named_by_row_and_column(row: str, error: str) -> None:
    errors = refusal(sheet(row))
    assert errors == [error]
    assert not any(PNR_DIGITS[2:] in e or PNR[2:] in e for e in errors)  # never echoed


def test_overlapping_and_duplicate_decisions_of_one_student_are_refused() -> None:
    errors = refusal(
        sheet(
            f"{PNR},,granted,60,no,,2026-08-24,2027-01-17",
            f",{UID_A},granted,60,no,,2026-08-24,2027-01-17",
            f",{UID_B},granted,30,no,,2026-08-24,2026-12-31",
            f",{UID_B},granted,45,no,,2026-12-01,2027-06-30",
            f",{UID_B},granted,45,no,,2027-07-01,2027-12-31",
        )
    )
    assert errors == [
        "row 3, column valid_from: the same decision as row 2",
        "row 5, column valid_from: overlaps row 4 for the same student (2026-08-24 to 2026-12-31)",
    ]


def test_every_error_of_the_file_is_listed_at_once() -> None:
    errors = refusal(
        sheet(
            f",{UID_B},granted,sixty,no,,2026-08-24,2027-01-17",
            f",{UID_A},maybe,30,no,,2026-08-24,2027-01-17",
        )
    )
    assert [e.split(":")[0] for e in errors] == ["row 2, column extra_minutes", "row 3, column decision"]


def test_an_xlsx_export_with_swedish_headers_and_date_cells() -> None:
    book = openpyxl.Workbook()
    book.active.append(
        [
            "Personnummer",
            "Beslut",
            "Förlängd skrivtid",
            "Eget rum",
            "Hjälpmedel",
            "Giltig från",
            "Giltig till",
        ]
    )
    book.active.append([PNR, "Beviljad", 45, "Ja", "Förstoringsskärm", date(2026, 8, 24), date(2027, 1, 17)])
    buffer = io.BytesIO()
    book.save(buffer)
    (decision,) = read(buffer.getvalue(), "support.xlsx")
    assert (
        decision.student_uid,
        decision.extra_time_minutes,
        decision.separate_room,
        decision.equipment,
    ) == (
        UID_A,
        45,
        True,
        "Förstoringsskärm",
    )
    assert (decision.valid_from, decision.valid_to) == (date(2026, 8, 24), date(2027, 1, 17))
