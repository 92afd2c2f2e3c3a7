"""approvals-inbox: what waits for whom, as the `approvals-inbox` table artifact, refreshed by its
deployment every few minutes."""

from __future__ import annotations

from prefect import flow

from tasks.approvals_inbox import publish_inbox
from tasks.run_logs import run_logger


@flow(name="approvals-inbox")
def approvals_inbox() -> int:
    waiting = publish_inbox()
    run_logger().info(f"The approvals inbox is refreshed: {waiting} approval(s) waiting")
    return waiting
