"""Bulk upsert keyed on natural keys, one statement per batch, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

BATCH = 5_000


def upsert(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> int:
    """Inserts `rows`, updating `update` columns where a row with the same `keys` exists."""
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    insert: Callable[[Table], sqlite.Insert | postgresql.Insert] = {  # type: ignore[assignment]  # mypy joins the two to the plain Insert, which lacks on_conflict_*
        "sqlite": sqlite.insert,
        "postgresql": postgresql.insert,
    }[dialect]
    for start in range(0, len(rows), BATCH):
        stmt = insert(table)
        stmt = (
            stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in update})
            if update
            else stmt.on_conflict_do_nothing(index_elements=list(keys))
        )
        session.execute(stmt, list(rows[start : start + BATCH]))
    return len(rows)


def frame_rows(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """A frame's rows as dicts of plain Python values with None for missing ones (the database
    wants NULL, not NaN), built column by column: far quicker than `DataFrame.to_dict`."""
    names = list(frame.columns if columns is None else columns)
    return [dict(zip(names, row, strict=True)) for row in frame_values(frame, names)]


def frame_values(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """A frame's rows as tuples of plain Python values in the order of `columns`, None for missing ones."""
    return list(zip(*(_plain(frame[c]) for c in columns), strict=True))


def _plain(column: pd.Series) -> list[Any]:
    """A column's values as Python objects (numbers, strings, Timestamps), None where missing."""
    values = column.to_numpy(dtype=object)
    missing = column.isna().to_numpy()
    return (np.where(missing, None, values) if missing.any() else values).tolist()  # type: ignore[union-attr]  # numpy's stubs refuse None for where()'s x or y; numpy takes it (an object array)
