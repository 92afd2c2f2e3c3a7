"""The nightly reconciliation: what the register says against what the platform (or our store) holds.

Both frames carry one row per (occasion_uid, student_uid) and an `extra_time_minutes` column
(missing values count as no extra time). The diff is one outer merge with an indicator, so a
100,000-row exam term diffs in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

KEYS = ["occasion_uid", "student_uid"]
EXTRA = "extra_time_minutes"
PREVIOUS_EXTRA = "previous_extra_time_minutes"


@dataclass(frozen=True)
class RegistrationDiff:
    """adds: KEYS + extra_time_minutes; removals: KEYS + extra_time_minutes (as held now);
    extra_time_changes: KEYS + extra_time_minutes (the register's) + previous_extra_time_minutes."""

    adds: pd.DataFrame
    removals: pd.DataFrame
    extra_time_changes: pd.DataFrame
    unchanged: int


def _normalised(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in [*KEYS, EXTRA] if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
    out = frame[[*KEYS, EXTRA]].copy()
    if out[KEYS].isna().any().any():
        row = out.index[out[KEYS].isna().any(axis=1)][0]
        raise ValueError(f"{name} row {row!r} has an empty occasion_uid or student_uid")
    duplicated = out.duplicated(KEYS)
    if duplicated.any():
        row = out.loc[duplicated].iloc[0]
        raise ValueError(
            f"{name} holds {int(duplicated.sum())} duplicate registration(s), "
            f"first ({row['occasion_uid']}, {row['student_uid']})"
        )
    out[EXTRA] = pd.to_numeric(out[EXTRA]).fillna(0).astype("int64")
    return out


def diff_registrations(register: pd.DataFrame, current: pd.DataFrame) -> RegistrationDiff:
    """Who to add, who to remove and whose extra time changed, to make `current` match `register`."""
    merged = _normalised(register, "register").merge(
        _normalised(current, "current"),
        on=KEYS,
        how="outer",
        suffixes=("", "_current"),
        indicator=True,
        sort=True,
    )
    side = merged.pop("_merge")
    both = merged[side == "both"]
    changed = both[EXTRA] != both[f"{EXTRA}_current"]
    return RegistrationDiff(
        adds=_frame(merged[side == "left_only"], {EXTRA: EXTRA}),
        removals=_frame(merged[side == "right_only"], {f"{EXTRA}_current": EXTRA}),
        extra_time_changes=_frame(both[changed], {EXTRA: EXTRA, f"{EXTRA}_current": PREVIOUS_EXTRA}),
        unchanged=int((~changed).sum()),
    )


def field_changes(register: pd.DataFrame, current: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """KEYS of the registrations held on both sides whose `columns` differ (a student moved to
    another course round, a new study result, a separate room granted): they must be rewritten."""
    both = register[[*KEYS, *columns]].merge(current[[*KEYS, *columns]], on=KEYS, suffixes=("", "_current"))
    differs = pd.Series(False, index=both.index)
    for column in columns:
        differs |= both[column].astype(str) != both[f"{column}_current"].astype(str)
    return both.loc[differs, KEYS].reset_index(drop=True)


def _frame(rows: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = rows[[*KEYS, *columns]].rename(columns=columns).reset_index(drop=True)
    return out.astype({name: "int64" for name in columns.values()})
