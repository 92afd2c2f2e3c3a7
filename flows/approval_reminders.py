"""approval-reminders: every 15 minutes, remind the approvers of approvals expiring soon (once each),
expire those past their expiry, and fail the runs still suspended on them with how to start again.

A suspended run has no process waiting: this sweep is what enforces an approval's expiry on it."""

from __future__ import annotations

from prefect import flow, get_run_logger

from tasks.approvals import expire_due, fail_waiting_runs, remind_due


@flow(name="approval-reminders")
def approval_reminders() -> dict[str, int]:
    reminded = remind_due()
    expired = expire_due()
    failed = fail_waiting_runs(expired)
    get_run_logger().info(
        f"Approvals swept: {reminded} reminded, {len(expired)} expired, {failed} waiting runs set Failed"
    )
    return {"reminded": reminded, "expired": len(expired), "runs_failed": failed}
