"""The exam office's rooms file: read whole, every error named by row and column."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from deployments.sample import SAMPLE_BOOKING, write_rooms
from formats.rooms import read_rooms
from rules.rooms import Room, loan_pc_pools
from rules.sheet_errors import SheetRefused

GOOD = """building,room,seats,power_seats,separate_room,loan_pcs
Main building,Q21,120,80,no,10
Main building,Q22,60,60,,0
Library,L1,4,4,yes,2
"""


def test_a_good_file_gives_its_rooms_and_pools() -> None:
    rooms = read_rooms(GOOD.encode(), "rooms.csv")
    assert rooms == [
        Room("Q21", "Main building", 120, 80, False, 10),
        Room("Q22", "Main building", 60, 60, False, 0),
        Room("L1", "Library", 4, 4, True, 2),
    ]
    assert loan_pc_pools(rooms) == {"Main building": 10, "Library": 2}


def test_swedish_column_names_and_a_workbook_are_read() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Byggnad", "Sal", "Platser", "Platser med el", "Eget rum", "Lånedatorer"])
    sheet.append(["Huset", "H1", 30, 10, "ja", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_rooms(buffer.getvalue(), "salar.xlsx") == [Room("H1", "Huset", 30, 10, True, 3)]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",Q1,10,5,,", "row 2, column building: no building"),
        ("B,,10,5,,", "row 2, column room: no room"),
        (
            "B,Room 1,10,5,,",
            "row 2, column room: 'Room 1': a room's name is letters and digits only (the platform matches invigilators to rooms by it)",
        ),
        (
            "B,23-100,10,5,,",
            "row 2, column room: '23-100': a room's name is letters and digits only (the platform matches invigilators to rooms by it)",
        ),
        ("B,Q1,0,0,,", "row 2, column seats: '0' is not a whole number from 1 to 2000"),
        ("B,Q1,ten,0,,", "row 2, column seats: 'ten' is not a whole number from 1 to 2000"),
        ("B,Q1,10,11,,", "row 2, column power_seats: 11 seats with power, but the room has only 10 seats"),
        ("B,Q1,10,-1,,", "row 2, column power_seats: '-1' is not a whole number from 0 to 2000"),
        ("B,Q1,10,5,maybe,", "row 2, column separate_room: 'maybe' is neither yes nor no"),
        ("B,Q1,10,5,,2.5", "row 2, column loan_pcs: '2.5' is not a whole number from 0 to 1000"),
    ],
)
def test_each_bad_cell_is_named(row: str, expected: str) -> None:
    header = "building,room,seats,power_seats,separate_room,loan_pcs\n"
    with pytest.raises(SheetRefused) as refused:
        read_rooms(f"{header}{row}\n".encode(), "rooms.csv")
    assert [str(e) for e in refused.value.errors] == [expected]


def test_every_error_of_the_file_is_listed_at_once() -> None:
    text = "building,room,seats,power_seats\nB,Q1,10,5\nB,q1,10,50\nB,Q3,x,1\n"
    with pytest.raises(SheetRefused) as refused:
        read_rooms(text.encode(), "rooms.csv")
    assert [str(e) for e in refused.value.errors] == [
        "row 3, column power_seats: 50 seats with power, but the room has only 10 seats",
        "row 3, column room: room q1 is already on row 2",
        "row 4, column seats: 'x' is not a whole number from 1 to 2000",
    ]


def test_a_header_missing_columns_or_a_file_without_rooms_is_refused() -> None:
    with pytest.raises(SheetRefused) as refused:
        read_rooms(b"building,room,seats,colour\nB,Q1,10,red\n", "rooms.csv")
    assert [str(e) for e in refused.value.errors] == [
        "row 1, column colour: unknown column; the sheet takes building, room, seats, power_seats, "
        "separate_room, loan_pcs",
        "row 1: no power_seats column (named one of: power_seats, seats_with_power, platser_med_el, "
        "platser med el)",
    ]
    with pytest.raises(SheetRefused, match="the file has a header but no rooms"):
        read_rooms(b"building,room,seats,power_seats\n", "rooms.csv")


def test_the_sample_rooms_file_reads_and_holds_the_sample_booking(tmp_path: Path) -> None:
    write_rooms(tmp_path)
    rooms = read_rooms((tmp_path / "rooms.csv").read_bytes(), "rooms.csv")
    assert {r.code for r in rooms} == set(SAMPLE_BOOKING)
    assert [r.code for r in rooms if r.separate_room] == ["L1", "L2"]
