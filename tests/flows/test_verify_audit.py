"""verify-audit under Prefect, on the flows' shared store: the chain's head anchored as an artifact at
each intact run, and a run Failed, naming the break, when the chain was cut below that anchor or
changed; the anchor is then left as it was. Each test mends the chain it broke."""

from __future__ import annotations

import json
from typing import Any

from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import ArtifactCreate
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import text

from flows.verify_audit import verify_audit
from store.db import default_engine
from store.schema import AuditEvent
from tasks.verify_audit import ANCHOR_KEY
from tests.flows.conftest import World
from tests.store.test_audit_chain import check, tampering, write


def forget_anchors() -> None:
    """The flows' Prefect server is shared by both stores: each test starts with no anchor."""
    with get_client(sync_client=True) as client:
        for artifact in client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ANCHOR_KEY]))
        ):
            client.delete_artifact(artifact.id)


def anchored() -> dict[str, Any]:
    artifact = Artifact.get(ANCHOR_KEY)
    assert artifact is not None and isinstance(artifact.data, str)
    (row,) = json.loads(artifact.data)
    return dict(row)


def test_each_run_anchors_the_head_and_a_tail_cut_below_it_fails_the_next(world: World) -> None:
    forget_anchors()
    engine = default_engine()
    write(engine, 3)
    assert verify_audit().startswith("audit chain intact")
    head = check(engine).head
    assert {k: anchored()[k] for k in ("event", "seq", "hash")} == {
        "event": head.id,
        "seq": head.seq,
        "hash": head.hash,
    }
    write(engine, 1, bulk=2)
    verify_audit()
    last = anchored()
    assert last["seq"] == head.seq + 3
    table = AuditEvent.__table__
    with tampering(engine) as connection:
        cut = connection.execute(table.select().where(table.c.seq > head.seq)).mappings().all()
        connection.execute(table.delete().where(table.c.seq > head.seq))
    try:
        state = verify_audit(return_state=True)
        assert state.is_failed()
        assert f"tail cut: the chain ends at seq {head.seq} but held seq {last['seq']} when anchored" in str(
            state.message
        )
        assert anchored() == last
        broken = Artifact.get("audit-chain-broken")
        assert broken is not None and "tail cut" in str(broken.data)
    finally:
        with tampering(engine) as connection:
            connection.execute(table.insert(), [dict(row) for row in cut])
    assert verify_audit().startswith("audit chain intact")


def test_a_changed_event_fails_the_run_naming_it(world: World) -> None:
    forget_anchors()
    engine = default_engine()
    write(engine, 2)
    event = check(engine).head
    statement = text("UPDATE audit_log SET actor = :actor WHERE id = :id")
    with tampering(engine) as connection:
        connection.execute(statement, {"actor": "someone-else", "id": event.id})
    try:
        state = verify_audit(return_state=True)
        assert state.is_failed()
        assert f"content changed: event {event.id} (seq {event.seq}) does not match its hash" in str(
            state.message
        )
        assert Artifact.get(ANCHOR_KEY) is None
    finally:
        with tampering(engine) as connection:
            connection.execute(statement, {"actor": "staff-examiner-1", "id": event.id})
    assert verify_audit().startswith("audit chain intact")


def test_an_anchor_that_holds_no_head_fails_the_run_saying_so(world: World) -> None:
    forget_anchors()
    edited = ArtifactCreate(key=ANCHOR_KEY, type="table", data=json.dumps([{"seq": "three"}]))
    with get_client(sync_client=True) as client:
        client.create_artifact(edited)
    try:
        state = verify_audit(return_state=True)
        assert state.is_failed()
        assert f"artifact {ANCHOR_KEY} (" in str(state.message)
        assert "holds no head: its table's first row needs event, seq and hash" in str(state.message)
    finally:
        forget_anchors()
