"""Walks the audit log's hash chain and names its first broken link.

    .venv/bin/python -m store.verify_audit [--anchor-seq N --anchor-hash HASH]

An anchor (a head kept outside the database at an earlier check: an artifact, the archive) shows a
chain cut below it, or rewritten from some point on with recomputed hashes. Exits 1 on a broken chain.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models.settings import get_settings
from store import audit_chain
from store.audit_chain import Head
from store.db import SQLITE_BUSY_TIMEOUT_MS
from store.schema import AuditEvent

BATCH = 5_000


@dataclass(frozen=True)
class Verdict:
    """The chain's head as found, how many events were checked and, if any, the first broken link."""

    head: Head
    events: int
    broken: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(session: Session, anchor: Head | None = None) -> Verdict:
    """Checks every event in chain order: its place (no event missing before it), its link to the
    event before it, its detail against its digest (unless retention purged the detail, keeping the
    digest) and its content against its hash; then that the anchor, if given, is still in the
    chain with the same hash."""
    prev = audit_chain.EMPTY
    count = 0
    for event in _in_chain_order(session):
        broken = _first_fault(event, prev)
        if broken:
            return Verdict(prev, count, broken)
        if anchor and event.seq == anchor.seq and event.hash != anchor.hash:
            return Verdict(prev, count, _rewritten(event, anchor))
        prev = Head(event.id, event.seq, event.hash)
        count += 1
    if anchor and prev.seq < anchor.seq:
        cut = f"tail cut: the chain ends at seq {prev.seq} but held seq {anchor.seq} when anchored"
        return Verdict(prev, count, cut)
    return Verdict(prev, count)


def verify_database(anchor: Head | None = None, url: str | None = None) -> Verdict:
    """`verify` on examflow's database (or `url`'s), read on a connection of its own outside
    store.db's transactions, which on SQLite begin IMMEDIATE: the walk is one SELECT, which sees one
    snapshot (WAL) without holding the writer lock, so writers go on while a long chain is checked."""
    url = url or get_settings().database_url
    sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000} if sqlite else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with Session(engine) as session:
            return verify(session, anchor)
    finally:
        engine.dispose()


def _in_chain_order(session: Session) -> Iterator[Row[Any]]:
    """Every event as a plain row (no ORM object each), its time and detail read as the ORM reads
    them, streamed in batches."""
    table = AuditEvent.__table__
    query = select(table).order_by(table.c.seq).execution_options(yield_per=BATCH)
    yield from session.execute(query)


def _first_fault(event: Row[Any], prev: Head) -> str | None:
    where = f"event {event.id} (seq {event.seq})"
    if event.seq != prev.seq + 1:
        return (
            f"row missing: {where} follows seq {prev.seq}; events {prev.seq + 1} to {event.seq - 1} are gone"
        )
    if event.prev_hash != prev.hash:
        return f"link broken: {where} does not name the hash of the event before it (seq {prev.seq})"
    if event.purged_at is None and audit_chain.digest(audit_chain.canonical(event.detail)) != event.detail_digest:
        return f"content changed: {where} holds a detail that does not match its digest"
    recomputed = audit_chain.event_hash(
        event.seq,
        event.at,
        event.actor,
        event.action,
        event.occasion_id,
        event.detail_digest,
        event.prev_hash,
    )
    if recomputed != event.hash:
        return (
            f"content changed: {where} does not match its hash (at, actor, action, occasion or seq changed)"
        )
    return None


def _rewritten(event: Row[Any], anchor: Head) -> str:
    return (
        f"rewritten: event {event.id} (seq {event.seq}) has hash {event.hash[:12]}… but held "
        f"{anchor.hash[:12]}… when anchored: the chain was rewritten at or before it"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.verify_audit", description=__doc__.splitlines()[0])
    parser.add_argument("--anchor-seq", type=int, help="the seq of a head anchored earlier")
    parser.add_argument("--anchor-hash", help="that head's hash")
    args = parser.parse_args(argv)
    if (args.anchor_seq is None) != (args.anchor_hash is None):
        parser.error("give both --anchor-seq and --anchor-hash, or neither")
    anchor = None if args.anchor_seq is None else Head(None, args.anchor_seq, args.anchor_hash)
    verdict = verify_database(anchor)
    if verdict.broken:
        print(f"audit chain BROKEN after {verdict.events} intact events: {verdict.broken}", file=sys.stderr)
        return 1
    head = verdict.head
    print(
        f"audit chain intact: {verdict.events} events; head seq {head.seq} (event {head.id}) hash {head.hash}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
