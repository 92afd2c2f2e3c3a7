"""What if a grade boundary moved: how many candidates' grades would change, and which way.

One boundary moves at a time, by each of MOVES percentage points. Lowering a grade's minimum lifts
the candidates between the new and the old minimum from the grade below to that grade (up); raising
it drops those between the old and the new minimum to the grade below (down). Percentages are
rounded exactly as rules.grades rounds them before grading, so the counts match a regrade under the
moved thresholds. A move that would take a minimum out of (0, 100] or past a neighbouring grade's
minimum is reported as not possible, with the reason, instead of raising.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rules.grades import Thresholds, grades_for_points, round_half_up

MOVES: tuple[float, ...] = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
COLUMNS = ["grade", "minimum", "move", "new_minimum", "possible", "up", "down", "changed", "change"]


def what_if(
    points: pd.Series,
    max_points: float,
    thresholds: Thresholds | None = None,
    moves: tuple[float, ...] = MOVES,
) -> pd.DataFrame:
    """One row per boundary (highest grade first) and move, in COLUMNS; missing points are ignored.

    `up`, `down` and `changed` are counts (missing where the move is not possible); `change` says it
    in words for a markdown table, e.g. "3 D → C" or "not possible: 64 is not above C 65"."""
    thresholds = thresholds or Thresholds()
    grades_for_points(points, max_points, thresholds)  # refuses scores outside 0-max_points, naming them
    values = pd.to_numeric(points).to_numpy(dtype=float, na_value=np.nan)
    percents = np.sort(round_half_up(values[~np.isnan(values)] / max_points * 100, thresholds.decimals))
    table = _boundaries(thresholds, moves)
    old, new = table["minimum"].to_numpy(), table["new_minimum"].to_numpy()
    crossing = np.searchsorted(percents, np.maximum(old, new)) - np.searchsorted(
        percents, np.minimum(old, new)
    )
    possible = table["reason"].eq("").to_numpy()
    table["possible"] = possible
    table["up"] = pd.array(np.where(new < old, crossing, 0), dtype="Int64")
    table["down"] = pd.array(np.where(new > old, crossing, 0), dtype="Int64")
    table["changed"] = pd.array(crossing, dtype="Int64")
    table.loc[~possible, ["up", "down", "changed"]] = pd.NA
    table["change"] = _describe(table)
    return table[COLUMNS]


def _boundaries(thresholds: Thresholds, moves: tuple[float, ...]) -> pd.DataFrame:
    """Every (boundary, move) with the grade below, the move's result and why it is impossible (or '')."""
    _, labels = thresholds.bins()
    minimums = thresholds.minimums
    rows = []
    for j in range(len(labels) - 1, 0, -1):
        grade, below = labels[j], labels[j - 1]
        higher = labels[j + 1] if j + 1 < len(labels) else None
        for move in moves:
            new = minimums[grade] + move
            rows.append(
                {
                    "grade": grade,
                    "below": below,
                    "minimum": minimums[grade],
                    "move": move,
                    "new_minimum": new,
                    "reason": _impossible(new, below, higher, minimums),
                }
            )
    return pd.DataFrame(rows)


def _impossible(new: float, below: str, higher: str | None, minimums: dict[str, float]) -> str:
    if not 0 < new <= 100:
        return f"{new:g} is outside 0-100"
    if below in minimums and new <= minimums[below]:
        return f"{new:g} is not above {below} {minimums[below]:g}"
    if higher is not None and new >= minimums[higher]:
        return f"{new:g} is not below {higher} {minimums[higher]:g}"
    return ""


def _describe(table: pd.DataFrame) -> pd.Series:
    counts_up, counts_down = table["up"].astype(str), table["down"].astype(str)
    return pd.Series(
        np.select(
            [~table["possible"], table["up"].fillna(0) > 0, table["down"].fillna(0) > 0],
            [
                "not possible: " + table["reason"],
                counts_up + " " + table["below"] + " → " + table["grade"],
                counts_down + " " + table["grade"] + " → " + table["below"],
            ],
            "no change",
        ),
        index=table.index,
    )
