"""The audit log's hash chain: what each event's hash covers, and the chain's head.

Each event holds its place in the chain (`seq`: 1, 2, 3, ... with no gap), the hash of the event
before it (`prev_hash`; the first event's is GENESIS) and its own `hash`: SHA-256 over four lines,
`seq` in decimal, the JSON array `[at, actor, action, occasion_id]` (`at` in UTC to the microsecond,
`at_text`), `detail_digest` and `prev_hash` (`chained`). `detail_digest` is SHA-256 over the detail
as canonical JSON (`canonical`: sorted keys, no spaces, numbers as JSON numbers), kept in the row.

The chain covers the detail's digest, not the detail itself, so that a later purge of personal
details (details reduced to codes) can replace a detail and keep its digest: every link and every
hash still verifies; the check that a row's detail matches its own digest skips the rows retention
marked `purged_at` (store/retention.py).

Appends are linear: SQLite's writer lock is the transaction's own (BEGIN IMMEDIATE, store/db.py);
on PostgreSQL an append first takes a transaction-level advisory lock (APPEND_LOCK), held until
commit, so two writers never read the same head. The unique `seq` refuses a fork either way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from store import driver

GENESIS = "0" * 64

# pg_advisory_xact_lock's key for appends to the audit log ("audit" in ASCII).
APPEND_LOCK = 0x6175646974

# Plain JSON values (str keys, Python numbers) serialise canonically in one call; anything else
# (numpy numbers, non-str keys, datetimes, dataclasses) makes it raise and goes the long way.
_PLAIN = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ANY = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


@dataclass(frozen=True)
class Head:
    """The chain's last event (`id` None and `seq` 0 for an empty log)."""

    id: int | None
    seq: int
    hash: str


EMPTY = Head(id=None, seq=0, hash=GENESIS)


def canonical(detail: Any) -> bytes:
    """The detail as canonical JSON: the same bytes for the value written and for the value read
    back from SQLite or PostgreSQL. A value that is not plain JSON is first reduced to what reading
    it back gives (numpy numbers to numbers, keys to strings, NaN to null, float32s as the float64
    their text reads back as), so the canonical form never depends on a type the store drops."""
    try:
        return orjson.dumps(detail, option=_PLAIN)
    except orjson.JSONEncodeError:
        plain = orjson.loads(orjson.dumps(detail, option=_ANY))
        return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def at_text(at: datetime) -> str:
    """The instant in one fixed UTC form, to the microsecond (as both databases keep it)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    occasion_id: str | None,
    detail_digest: str,
    prev_hash: str,
) -> str:
    return chained(seq, fixed_part(at, actor, action, occasion_id), detail_digest, prev_hash)


def fixed_part(at: datetime, actor: str, action: str, occasion_id: str | None) -> str:
    """What events written together share, serialised once for all of them."""
    return orjson.dumps([at_text(at), actor, action, occasion_id]).decode()


def chained(seq: int, fixed: str, detail_digest: str, prev_hash: str) -> str:
    """The hash over the lines `seq`, `fixed` (one line: JSON escapes newlines), the detail's digest
    and the previous hash, as UTF-8."""
    return hashlib.sha256(f"{seq}\n{fixed}\n{detail_digest}\n{prev_hash}".encode()).hexdigest()


def head(session: Session) -> Head:
    """The chain's last event as this transaction sees it."""
    rows = driver.rows(session, "SELECT id, seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", ())
    return Head(*rows[0]) if rows else EMPTY


def head_for_append(session: Session) -> Head:
    """The head to chain the next event to, with the right to append held until commit."""
    if session.get_bind().dialect.name == "postgresql":
        driver.rows(session, "SELECT pg_advisory_xact_lock(?)", (APPEND_LOCK,))
    return head(session)
