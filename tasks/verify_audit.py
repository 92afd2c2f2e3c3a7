"""The audit chain checked against the head anchored at the last check, and the head anchored
again: kept as a Prefect artifact, outside examflow's database, so a chain cut short or rewritten
with recomputed hashes below that head is found even though the chain alone still links."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.artifacts import Artifact, create_table_artifact
from prefect.client.schemas.objects import Artifact as ArtifactResponse

from store import verify_audit
from store.audit_chain import Head
from store.verify_audit import Verdict
from tasks.run_logs import run_logger

ANCHOR_KEY = "audit-chain-head"


@task(name="read-audit-anchor")
def read_anchor() -> Head | None:
    """The head anchored by the last intact check (None before the first)."""
    artifact: ArtifactResponse | None = Artifact.get(ANCHOR_KEY)  # type: ignore[assignment]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
    if artifact is None:
        run_logger().info("No head anchored yet: the chain is checked from its first event")
        return None
    try:
        data: Any = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        row = data[0]
        return Head(id=row["event"], seq=int(row["seq"]), hash=str(row["hash"]))
    except (ValueError, TypeError, LookupError) as error:
        raise ValueError(
            f"artifact {ANCHOR_KEY} ({artifact.id}) holds no head: its table's first row needs event, "
            f"seq and hash ({type(error).__name__}: {error})"
        ) from None


@task(name="verify-audit-chain")
def verify_chain(anchor: Head | None) -> Verdict:
    return verify_audit.verify_database(anchor)


@task(name="anchor-audit-head")
def anchor_head(verdict: Verdict) -> str:
    head = verdict.head
    row = {
        "event": head.id,
        "seq": head.seq,
        "hash": head.hash,
        "events": verdict.events,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    description = "The audit chain's head at its last intact check; the next check requires it unchanged."
    artifact = str(create_table_artifact(key=ANCHOR_KEY, table=[row], description=description))
    run_logger().info(f"The chain's head, seq {head.seq}, anchored in the artifact {ANCHOR_KEY}")
    return artifact
