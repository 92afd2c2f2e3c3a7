"""A sheet refused whole: every error named by its row and column, so that one reading shows the
person who wrote the sheet everything to correct. Raised by the file formats and by the decisions
checked on their rows alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn


@dataclass(frozen=True)
class SheetError:
    """One thing wrong: `row` 1-based as the spreadsheet shows it (None: the file as a whole),
    `column` the header's name (or the column letter where there is none)."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else ""]
        place = ", ".join(p for p in where if p)
        return f"{place}: {self.reason}" if place else self.reason


class SheetRefused(ValueError):
    """The whole sheet is refused; `errors` lists every problem found."""

    def __init__(self, errors: list[SheetError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"- {e}" for e in self.errors)
        super().__init__(f"the spreadsheet was refused with {len(self.errors)} error(s):\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its errors (Prefect persists failures)
        return (type(self), (self.errors,))


def refuse(reason: str) -> NoReturn:
    """The whole file refused for one reason."""
    raise SheetRefused([SheetError(None, None, reason)])
