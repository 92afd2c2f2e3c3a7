"""The exam office's rooms file (.csv or .xlsx): one row per room, with its building, its seats, how
many of them have a power outlet, whether it is a room for candidates who write apart (a separate
room accommodation) and how many loan PCs the room keeps for its building's pool. A room's name is letters and digits only,
as the platform wants a room it limits invigilators to (docs/seating.md). Checked whole
before anything is written: every error names its row and column."""

from __future__ import annotations

from dataclasses import dataclass, field

from formats.rows import cell, column_names, find_columns, read_rows
from formats.upload import LIMITS, Limits
from rules.rooms import Room
from rules.sheet_errors import SheetError, SheetRefused

MAX_SEATS = 2_000
MAX_LOAN_PCS = 1_000
MAX_NAME = 100
ALIASES: dict[str, tuple[str, ...]] = {
    "building": ("building", "byggnad", "hus"),
    "room": ("room", "sal", "skrivsal", "lokal"),
    "seats": ("seats", "platser", "skrivplatser"),
    "power_seats": ("power_seats", "seats_with_power", "platser_med_el", "platser med el"),
    "separate_room": ("separate_room", "eget_rum", "eget rum"),
    "loan_pcs": ("loan_pcs", "lanedatorer", "lånedatorer"),
}
REQUIRED = ("building", "room", "seats", "power_seats")
YES = {"yes", "ja", "true", "1", "x"}
NO = {"", "no", "nej", "false", "0"}


@dataclass
class _Checker:
    names: dict[str, str]
    errors: list[SheetError] = field(default_factory=list)
    first_row: dict[str, int] = field(default_factory=dict)

    def fail(self, row: int, name: str, reason: str) -> None:
        self.errors.append(SheetError(row, self.names.get(name, name), reason))

    def room(self, row: int, cells: dict[str, str]) -> Room | None:
        before = len(self.errors)
        code, building = self.name(row, "room", cells["room"]), self.name(row, "building", cells["building"])
        if code and not code.isalnum():
            self.fail(
                row,
                "room",
                f"{code!r}: a room's name is letters and digits only (the platform matches invigilators to rooms by it)",
            )
        seats = self.count(row, "seats", cells["seats"], low=1, high=MAX_SEATS)
        power = self.count(row, "power_seats", cells["power_seats"], low=0, high=MAX_SEATS)
        if seats is not None and power is not None and power > seats:
            self.fail(row, "power_seats", f"{power} seats with power, but the room has only {seats} seats")
        alone = self.flag(row, cells.get("separate_room", ""))
        loan_pcs = self.count(row, "loan_pcs", cells.get("loan_pcs", "") or "0", low=0, high=MAX_LOAN_PCS)
        if code:
            earlier = self.first_row.setdefault(code.casefold(), row)
            if earlier != row:
                self.fail(row, "room", f"room {code} is already on row {earlier}")
        if len(self.errors) > before:
            return None
        return Room(code, building, seats, power, bool(alone), loan_pcs)  # type: ignore[arg-type]

    def name(self, row: int, column: str, text: str) -> str:
        if not text:
            self.fail(row, column, f"no {column}")
        elif len(text) > MAX_NAME:
            self.fail(row, column, f"{len(text)} characters, more than {MAX_NAME}")
        return text

    def count(self, row: int, column: str, text: str, *, low: int, high: int) -> int | None:
        if not text.isdigit() or not low <= int(text) <= high:
            self.fail(row, column, f"{text!r} is not a whole number from {low} to {high}")
            return None
        return int(text)

    def flag(self, row: int, text: str) -> bool | None:
        word = text.casefold()
        if word in YES or word in NO:
            return word in YES
        self.fail(row, "separate_room", f"{text!r} is neither yes nor no")
        return None


def read_rooms(content: bytes, filename: str, limits: Limits = LIMITS) -> list[Room]:
    """Every room of the file, or `SheetRefused` listing every error by row and column."""
    rows = read_rows(content, filename, limits)
    if not rows or rows[0][0] != 1:
        raise SheetRefused([SheetError(None, None, "row 1 must be the header, naming the columns")])
    header = rows[0][1]
    columns, errors = find_columns(header, ALIASES, REQUIRED)
    if errors:
        raise SheetRefused(errors)
    if len(rows) == 1:
        raise SheetRefused([SheetError(None, None, "the file has a header but no rooms")])
    shown = column_names(header, max(len(cells) for _, cells in rows))
    checker = _Checker({name: shown[i] for name, i in columns.items()})
    rooms = [
        room
        for n, cells in rows[1:]
        if (room := checker.room(n, {name: cell(cells, columns, name) for name in ALIASES})) is not None
    ]
    if checker.errors:
        raise SheetRefused(checker.errors)
    return rooms
