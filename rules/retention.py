"""Retention: which kinds of an exam's data are due for deletion, and an audit detail with a
candidate's personal details reduced to their anonymisation code.

An exam's periods are counted from its last grade change (with no grade, the exam's end), so no
candidate's data is purged before their own period has run (rules/story.py counts per candidate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

# The order kinds are purged in when several fall due the same night: the audit details reduced
# while the names they are matched on are still held.
KINDS = ("answers", "mails", "notes", "audit", "personal")


def due_kinds(
    since: datetime, retention: Mapping[str, timedelta], now: datetime, done: Iterable[str] = ()
) -> list[str]:
    """The kinds whose period, counted from `since`, has run by `now`, less those already purged."""
    missing = [kind for kind in KINDS if kind not in retention]
    if missing:
        raise ValueError(f"retention: no period set for {', '.join(missing)}")
    purged = set(done)
    return [kind for kind in KINDS if kind not in purged and since + retention[kind] <= now]


def due_on(since: datetime, retention: Mapping[str, timedelta], done: Iterable[str] = ()) -> datetime | None:
    """When the next kind not yet purged falls due (None: every kind is purged)."""
    left = [since + retention[kind] for kind in KINDS if kind not in set(done)]
    return min(left) if left else None


def reduced(detail: Any, exact: Mapping[str, str], within: Mapping[str, str]) -> Any:
    """The detail with every string that is a personal value (a key of `exact`: a student id, a
    first or last name) or holds one (a key of `within`: a full name, a national id, an email)
    replaced by that candidate's code; a string holding one among other text becomes the code
    alone, so no part of it is left. Short values match whole strings only: a student id may be
    part of another's."""
    if isinstance(detail, dict):
        return {key: reduced(value, exact, within) for key, value in detail.items()}
    if isinstance(detail, list):
        return [reduced(value, exact, within) for value in detail]
    if isinstance(detail, str):
        if detail in exact:
            return exact[detail]
        return next((code for value, code in within.items() if value in detail), detail)
    return detail


def codes_only(detail: Any, codes: Iterable[str]) -> dict[str, list[str]]:
    """What an audit detail keeps once the audit kind is due: the candidates' codes it named."""
    wanted = set(codes)
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value in wanted:
            found.add(value)

    walk(detail)
    return {"codes": sorted(found)}


def personal_values(
    candidates: Sequence[tuple[str, str, str, str, str | None, str | None]],
) -> tuple[dict[str, str], dict[str, str]]:
    """From each candidate's (code, student id, first name, last name, national id, email), the
    personal values and the code each is reduced to: those matched as whole strings (student ids,
    first and last names) and those looked for within strings (full names, national ids,
    emails), as `reduced` takes them. A value two candidates share is reduced to neither's code."""
    exact: list[tuple[str, str]] = []
    within: list[tuple[str, str]] = []
    for code, uid, first, last, national_id, email in candidates:
        exact += [(v, code) for v in (uid, first, last) if v]
        full = f"{first} {last}" if first and last else ""
        within += [(v, code) for v in (full, national_id, email) if v]
    return _unique(exact), _unique(within)


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    shared = Counter(value for value, _ in set(pairs))
    return {value: code if shared[value] == 1 else "a candidate" for value, code in pairs}
