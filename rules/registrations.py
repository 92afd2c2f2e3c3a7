"""The nightly reconciliation: what the register says against what the platform (or our store) holds.

Both frames carry one row per (occasion_uid, student_uid) and an `extra_time_minutes` column
(missing values count as no extra time). Rows are matched through one hashable key per row
(`registration_keys`) and a hash lookup of one side's keys in the other's, so a 100,000-row exam
term diffs in well under a second; a merge on the two key columns costs several times more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

KEYS = ["occasion_uid", "student_uid"]
EXTRA = "extra_time_minutes"
PREVIOUS_EXTRA = "previous_extra_time_minutes"
SEPARATOR = "\x1f"  # the ASCII unit separator: in no uid


@dataclass(frozen=True)
class RegistrationDiff:
    """adds: KEYS + extra_time_minutes; removals: KEYS + extra_time_minutes (as held now);
    extra_time_changes: KEYS + extra_time_minutes (the register's) + previous_extra_time_minutes.
    Adds and changes come in the register's order, removals in the current frame's."""

    adds: pd.DataFrame
    removals: pd.DataFrame
    extra_time_changes: pd.DataFrame
    unchanged: int


def registration_keys(frame: pd.DataFrame, occasion_column: str = "occasion_uid") -> pd.Index:
    """One key per row: the occasion and the student joined by SEPARATOR."""
    occasion = frame[occasion_column].to_numpy(dtype=object)
    student = frame["student_uid"].to_numpy(dtype=object)
    return pd.Index(occasion + SEPARATOR + student, dtype=object)


def positions(
    rows: pd.DataFrame,
    held: pd.DataFrame,
    rows_occasion: str = "occasion_uid",
    held_occasion: str = "occasion_uid",
) -> np.ndarray:
    """Where each of `rows` is among `held` (by occasion and student; unique in `held`), -1 where it
    is not; the occasion columns named."""
    if rows.empty or held.empty:
        return np.full(len(rows), -1)
    return registration_keys(held, held_occasion).get_indexer(registration_keys(rows, rows_occasion))


def _normalised(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.Index]:
    """KEYS and extra time of a frame checked for empty and duplicate keys, and its keys."""
    missing = [c for c in [*KEYS, EXTRA] if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
    out = frame[[*KEYS, EXTRA]].reset_index(drop=True)
    empty = out[KEYS].isna().any(axis=1).to_numpy()
    if empty.any():
        raise ValueError(
            f"{name} row {frame.index[empty.argmax()]!r} has an empty occasion_uid or student_uid"
        )
    keys = registration_keys(out)
    if not keys.is_unique:
        duplicated = keys.duplicated()
        first = out.loc[duplicated.argmax()]
        raise ValueError(
            f"{name} holds {int(duplicated.sum())} duplicate registration(s), "
            f"first ({first['occasion_uid']}, {first['student_uid']})"
        )
    extra = pd.to_numeric(out[EXTRA]).fillna(0).astype("int64")
    return out.assign(**{EXTRA: extra}), keys


def diff_registrations(register: pd.DataFrame, current: pd.DataFrame) -> RegistrationDiff:
    """Who to add, who to remove and whose extra time changed, to make `current` match `register`."""
    wanted, wanted_keys = _normalised(register, "register")
    held, held_keys = _normalised(current, "current")
    at = held_keys.get_indexer(wanted_keys)  # each register row's place among the held, or -1
    on_both = at >= 0
    stays = wanted_keys.get_indexer(held_keys) >= 0
    both = wanted[on_both].reset_index(drop=True)
    previous = held[EXTRA].to_numpy()[at[on_both]]
    changed = both[EXTRA].to_numpy() != previous
    changes = both[changed].assign(**{PREVIOUS_EXTRA: previous[changed]})
    return RegistrationDiff(
        adds=wanted[~on_both].reset_index(drop=True),
        removals=held[~stays].reset_index(drop=True),
        extra_time_changes=changes.reset_index(drop=True),
        unchanged=int((~changed).sum()),
    )


def field_changes(register: pd.DataFrame, current: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """KEYS of the registrations held on both sides whose `columns` differ (a student moved to
    another course round, a new study result, a separate room granted): they must be rewritten.
    Missing on both sides (None or NaN) is no change."""
    at = positions(register, current)
    on_both = at >= 0
    differs = np.zeros(int(on_both.sum()), dtype=bool)
    for column in columns:
        ours = register[column].to_numpy(dtype=object)[on_both]
        theirs = current[column].to_numpy(dtype=object)[at[on_both]]
        differs |= (ours != theirs) & ~(pd.isna(ours) & pd.isna(theirs))
    return register.loc[on_both, KEYS][differs].reset_index(drop=True)
