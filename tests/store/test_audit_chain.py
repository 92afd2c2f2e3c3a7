"""The audit log's hash chain on SQLite and PostgreSQL: each kind of tampering found and named,
cut tails and rewrites found through an anchor, linear under concurrent writers, and refused by
PostgreSQL's trigger. Tampering on PostgreSQL is done as the table's owner who lifts the trigger."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import numpy as np
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from store import audit, audit_chain
from store.audit_chain import Head
from store.db import transaction
from store.migrate import alembic_config, upgrade
from store.schema import AuditEvent
from store.verify_audit import Verdict, main, verify, verify_database
from tests.conftest import examflow_environment

AWKWARD = {
    "points": [np.float64(12.5), 0.1, 1e16, 1e-7, -0.0, 2.0**60, np.float32(0.1), np.float32(3.4e38)],
    "n": np.int64(3),
    "raised": np.bool_(True),
    "nan": float("nan"),
    "note": 'Återkallad – ny bedömning \u2028 "quoted"',
    "nested": {"b": [1, {"z": None, "a": 2}], "a": ()},
    7: "a key that is a number",
}


def write(engine: Engine, count: int, *, bulk: int = 0, actor: str = "staff-examiner-1") -> None:
    """`count` events one at a time and `bulk` more in one record_many, each in its own transaction."""
    for i in range(count):
        with transaction(engine) as session:
            audit.record(session, actor=actor, action="grade.changed", occasion_id="occ-1", detail={"n": i})
    if bulk:
        with transaction(engine) as session:
            details = [
                {"candidate": f"EXAM-{i:04d}", "points": [np.float64(i), i + 0.5]} for i in range(bulk)
            ]
            audit.record_many(
                session, actor=actor, action="grade.rescored", occasion_id="occ-1", details=details
            )


def check(engine: Engine, anchor: Head | None = None) -> Verdict:
    with transaction(engine) as session:
        return verify(session, anchor)


def chain(engine: Engine) -> list[tuple[int, int, str, str]]:
    """(id, seq, prev_hash, hash) of every event, in chain order."""
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(text("SELECT id, seq, prev_hash, hash FROM audit_log ORDER BY seq"))
        ]


@contextmanager
def tampering(engine: Engine) -> Iterator[Connection]:
    """A connection that may change the audit log: on PostgreSQL the owner lifts the trigger first."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        yield connection
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def rechain_from(connection: Connection, seq: int) -> None:
    """What a careful forger does after changing event `seq` (not the first): every digest and hash
    from it on recomputed."""
    table = AuditEvent.__table__
    rows = connection.execute(select(table).where(table.c.seq >= seq - 1).order_by(table.c.seq)).all()
    prev_hash = rows[0].hash
    for row in rows[1:]:
        digest = audit_chain.digest(audit_chain.canonical(row.detail))
        own = audit_chain.event_hash(
            row.seq, row.at, row.actor, row.action, row.occasion_id, digest, prev_hash
        )
        values = {"prev_hash": prev_hash, "detail_digest": digest, "hash": own}
        connection.execute(table.update().where(table.c.id == row.id).values(**values))
        prev_hash = own


def test_events_written_one_at_a_time_and_in_bulk_form_one_intact_chain(engine: Engine) -> None:
    write(engine, 3, bulk=4)
    rows = chain(engine)
    assert [r[1] for r in rows] == list(range(1, 8))
    assert rows[0][2] == audit_chain.GENESIS
    assert all(later[2] == earlier[3] for earlier, later in zip(rows, rows[1:], strict=False))
    verdict = check(engine)
    assert verdict.intact and verdict.events == 7
    with transaction(engine) as session:
        assert verdict.head == audit.head_to_anchor(session) == Head(rows[-1][0], 7, rows[-1][3])


def test_an_empty_log_is_intact_with_the_genesis_head(engine: Engine) -> None:
    verdict = check(engine)
    assert verdict.intact and verdict.events == 0 and verdict.head == audit_chain.EMPTY


def test_the_bulk_path_chains_and_digests_as_the_single_path(engine: Engine) -> None:
    """The same detail gives the same digest either way, and the value read back from the database
    (floats, float32s, NaN, numpy numbers, non-string keys, unicode) canonicalises to the bytes
    written, so the chain verifies."""
    with transaction(engine) as session:
        one = audit.record(session, actor="a", action="x", occasion_id=None, detail=AWKWARD)
        audit.record_many(session, actor="a", action="x", occasion_id=None, details=[AWKWARD, {"k": 1}])
        audit.record(session, actor="a", action="x", occasion_id=None, detail={"k": 1})
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        digests = [e.detail_digest for e in events]
        assert digests[0] == digests[1] == one.detail_digest and digests[2] == digests[3]
        assert events[0].detail == events[1].detail
        assert events[1].detail["points"][0] == 12.5 and events[1].detail["nan"] is None
    assert check(engine).intact


def test_an_update_of_a_detail_is_named(engine: Engine) -> None:
    write(engine, 5)
    event_id = chain(engine)[2][0]
    with tampering(engine) as connection:
        connection.execute(
            text("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = :id"), {"id": event_id}
        )
    verdict = check(engine)
    assert verdict.broken == (
        f"content changed: event {event_id} (seq 3) holds a detail that does not match its digest"
    )
    assert verdict.events == 2


def test_an_update_of_the_actor_is_named(engine: Engine) -> None:
    write(engine, 5)
    event_id = chain(engine)[3][0]
    with tampering(engine) as connection:
        connection.execute(
            text("UPDATE audit_log SET actor = 'someone-else' WHERE id = :id"), {"id": event_id}
        )
    assert check(engine).broken == (
        f"content changed: event {event_id} (seq 4) does not match its hash (at, actor, action, occasion or seq changed)"
    )


def test_a_deleted_event_is_named(engine: Engine) -> None:
    write(engine, 3, bulk=3)
    rows = chain(engine)
    with tampering(engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    assert check(engine).broken == (
        f"row missing: event {rows[4][0]} (seq 5) follows seq 3; events 4 to 4 are gone"
    )


def test_an_event_inserted_into_the_chain_is_named(engine: Engine) -> None:
    """A forged event slipped in at seq 3, its own hashes right, the later events moved up one."""
    write(engine, 4)
    rows = chain(engine)
    with tampering(engine) as connection:
        connection.execute(text("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3"))
        connection.execute(text("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103"))
        at = datetime(2026, 3, 1, 12, tzinfo=UTC)
        digest = audit_chain.digest(audit_chain.canonical({"decision": "approved"}))
        own = audit_chain.event_hash(3, at, "forger", "approval.decided", "occ-1", digest, rows[1][3])
        connection.execute(
            AuditEvent.__table__.insert().values(
                at=at,
                actor="forger",
                action="approval.decided",
                occasion_id="occ-1",
                detail={"decision": "approved"},
                seq=3,
                prev_hash=rows[1][3],
                detail_digest=digest,
                hash=own,
            )
        )
    assert check(engine).broken == (
        f"link broken: event {rows[2][0]} (seq 4) does not name the hash of the event before it (seq 3)"
    )


def test_an_event_appended_with_a_made_up_hash_is_named(engine: Engine) -> None:
    write(engine, 2)
    prev_hash = chain(engine)[-1][3]
    with tampering(engine) as connection:
        connection.execute(
            AuditEvent.__table__.insert().values(
                at=datetime.now(UTC),
                actor="forger",
                action="approval.decided",
                occasion_id="occ-1",
                detail={},
                seq=3,
                prev_hash=prev_hash,
                detail_digest=audit_chain.digest(b"{}"),
                hash="f" * 64,
            )
        )
    broken = check(engine).broken
    assert broken is not None and broken.startswith("content changed: event ") and "(seq 3)" in broken


def test_a_cut_tail_is_found_only_through_the_anchor(engine: Engine) -> None:
    write(engine, 4, bulk=2)
    anchor = check(engine).head
    with tampering(engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 5"))
    assert check(engine).intact  # the chain alone cannot tell
    verdict = check(engine, anchor)
    assert verdict.broken == "tail cut: the chain ends at seq 4 but held seq 6 when anchored"


def test_a_rewrite_with_recomputed_hashes_is_found_only_through_the_anchor(engine: Engine) -> None:
    write(engine, 5)
    anchor = check(engine).head
    with tampering(engine) as connection:
        connection.execute(text("UPDATE audit_log SET detail = '{\"n\": 42}' WHERE seq = 2"))
        rechain_from(connection, 2)
    write(engine, 2)  # and the log goes on past the anchor
    assert check(engine).intact  # the chain alone cannot tell
    broken = check(engine, anchor).broken
    assert broken is not None and broken.startswith(f"rewritten: event {anchor.id} (seq 5) has hash ")
    assert check(engine, audit_chain.EMPTY).intact  # an anchor of the empty log holds nothing


def test_an_intact_chain_holds_its_anchor_as_it_grows(engine: Engine) -> None:
    write(engine, 2)
    anchor = check(engine).head
    write(engine, 3, bulk=2)
    verdict = check(engine, anchor)
    assert verdict.intact and verdict.events == 7


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"]
)
def test_postgresql_refuses_to_change_the_audit_log(engine: Engine, statement: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the refusal is PostgreSQL's trigger; on SQLite the chain shows the change")
    write(engine, 2)
    before = chain(engine)
    op = statement.split()[0]
    with pytest.raises(DBAPIError, match=f"the audit log is append-only: {op} of audit_log refused"):
        with engine.begin() as connection:
            connection.execute(text(statement))
    assert chain(engine) == before


def test_a_second_writer_waits_for_the_first_and_chains_after_it(engine: Engine) -> None:
    """The first writer holds the right to append until it commits: the second reads the head only
    then, so it never chains to the same event (which the unique seq would refuse)."""
    first_recorded, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        first_recorded.wait(10)
        try:
            with transaction(engine) as session:
                audit.record(session, actor="second", action="x", occasion_id=None, detail={})
        except BaseException as error:  # reported below
            errors.append(error)
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction(engine) as session:
        audit.record(session, actor="first", action="x", occasion_id=None, detail={})
        first_recorded.set()
        time.sleep(0.5)
        assert not second_done.is_set()
    thread.join(20)
    assert not errors
    with engine.connect() as connection:
        actors = connection.execute(text("SELECT actor FROM audit_log ORDER BY seq")).scalars().all()
    assert actors == ["first", "second"]
    assert check(engine).intact


def test_concurrent_writers_keep_the_chain_linear(engine: Engine) -> None:
    writers, start = 4, threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        start.wait(10)
        try:
            write(engine, 8, bulk=5, actor=f"writer-{n}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    rows = chain(engine)
    assert [r[1] for r in rows] == list(range(1, writers * 13 + 1))
    verdict = check(engine)
    assert verdict.intact and verdict.events == writers * 13


def test_the_migration_chains_the_events_already_held(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0010").down_revision
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, str(before))
    with engine.begin() as connection:
        for n, at in enumerate([datetime(2026, 3, 1, 9, 30, 15, 250000), datetime(2026, 3, 2, 8, 0)]):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, occasion_id, detail) VALUES (:at, 'a', 'x', NULL, :d)"
                ),
                {"at": at, "d": f'{{"n": {n}, "ratio": 0.1, "note": "Å"}}'},
            )
    upgrade(engine)
    verdict = check(engine)
    assert verdict.intact and verdict.events == 2
    write(engine, 1)
    assert check(engine).events == 3


def test_the_command_names_the_first_broken_link_and_fails(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    write(engine, 3)
    with examflow_environment({"EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False)}):
        assert main([]) == 0
        assert "audit chain intact: 3 events; head seq 3" in capsys.readouterr().out
        with tampering(engine) as connection:
            connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        assert main([]) == 0
        head = chain(engine)[-1]
        assert main(["--anchor-seq", "3", "--anchor-hash", "0" * 64]) == 1
        assert "tail cut: the chain ends at seq 2 but held seq 3" in capsys.readouterr().err
        assert main(["--anchor-seq", "2", "--anchor-hash", head[3]]) == 0


def test_the_walk_reads_the_committed_chain_while_a_writer_holds_its_lock(engine: Engine) -> None:
    """SQLite's writer lock (or PostgreSQL's append lock) held by an open transaction does not stop
    the check, which sees the chain as last committed."""
    write(engine, 2)
    url = engine.url.render_as_string(hide_password=False)
    with transaction(engine) as session:
        audit.record(session, actor="still-open", action="x", occasion_id=None, detail={})
        started = time.perf_counter()
        verdict = verify_database(url=url)
        assert time.perf_counter() - started < 5
    assert verdict.intact and verdict.events == 2
    assert verify_database(url=url).events == 3
