"""The header of an uploaded sheet whose columns go by several names (English, Swedish, a support
system's export): each column found once, an unknown or repeated name an error of row 1."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rules.spreadsheet import SheetError


def find_columns(
    header: list[str], aliases: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[dict[str, int], list[SheetError]]:
    """Field name → column index, and every error of the header."""
    field_of = {alias.casefold(): name for name, names in aliases.items() for alias in names}
    takes = ", ".join(aliases)
    found: dict[str, int] = {}
    errors: list[SheetError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        field_name = field_of.get(name.casefold())
        if field_name is None:
            errors.append(SheetError(1, name, f"unknown column; the sheet takes {takes}"))
        elif field_name in found:
            first = header[found[field_name]].strip()
            errors.append(SheetError(1, name, f"a second {field_name} column (the first is {first!r})"))
        else:
            found[field_name] = index
    for name in required:
        if name not in found:
            errors.append(SheetError(1, None, f"no {name} column (named one of: {', '.join(aliases[name])})"))
    return found, errors


def cell(cells: list[str], columns: Mapping[str, int], name: str) -> str:
    """The stripped text of a row's cell in the named column ('' when the column or cell is absent)."""
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""
