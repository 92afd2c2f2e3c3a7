"""approvals-inbox: what waits for whom, as the `approvals-inbox` table artifact, refreshed by its
deployment every few minutes."""

from __future__ import annotations

from prefect import flow

from tasks.approvals_inbox import publish_inbox


@flow(name="approvals-inbox")
def approvals_inbox() -> int:
    return publish_inbox()
