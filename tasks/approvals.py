"""The database steps of every approval (issue the codes, judge an answer, expire), the deletion of
an answer from Prefect's run input, and the sweep that reminds and expires.

The tasks that see an answer cache and persist nothing: the answer carries a one-time code, and a
replayed run takes the verdict from our store (`earlier_verdict`), not from Prefect's cache."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.states import Failed

from models.approvals import ApprovalForm, ApprovalRequest, ApprovalTicket, Verdict
from models.domain import Decision
from models.settings import get_settings
from store import approvals, outbox
from store.db import transaction
from tasks.clock import now
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

UNCACHED: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}


def _deliver() -> None:
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)


@task(name="open-approval", **REPLAY_SAFE)
def open_approval(request: ApprovalRequest) -> ApprovalTicket:
    """Creates the approval and mails each holder of the role a one-time code (once per key)."""
    with transaction() as session:
        ticket = approvals.open_approval(session, request=request, now=now())
    _deliver()
    run_logger().info(
        f"Approval {ticket.approval_id} ({request.kind} of {request.occasion_id}) asked of the "
        f"{ticket.role} role: a one-time code mailed to {', '.join(ticket.approvers)}; "
        f"it expires at {ticket.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    return ticket


@task(name="earlier-approval-answer", **UNCACHED)
def earlier_verdict(approval_id: int, round: int) -> Verdict | None:
    """The verdict given on this round before (a replayed run), or None when it is still to be asked."""
    with transaction() as session:
        return approvals.verdict_of(session, approval_id=approval_id, round=round)


@task(name="check-approval-answer", **UNCACHED)
def check_answer(approval_id: int, round: int, answer: ApprovalForm, problem: str = "") -> Verdict:
    """Checks approver, role and one-time code in our store; every outcome is audited, and the mails
    it causes (a new code, new codes after a lock, an expiry) are delivered."""
    with transaction() as session:
        verdict = approvals.check_answer(
            session, approval_id=approval_id, round=round, answer=answer, now=now(), problem=problem
        )
    _deliver()
    run_logger().info(_judged(approval_id, round, verdict))
    return verdict


def _judged(approval_id: int, round: int, verdict: Verdict) -> str:
    """The verdict as a log line: who decided what, or why the answer was refused; never the answer's
    comment, and a staff id that nobody holds (a typing slip, or a code in the wrong field) is not echoed."""
    if verdict.accepted:
        decided = "approved" if verdict.decision == Decision.APPROVE else "rejected"
        return f"Approval {approval_id}, answer {round}: {decided} by {verdict.approver_id}"
    reason = (
        verdict.reason.replace(f"'{verdict.approver_id}'", "given")
        if "unknown approver" in verdict.reason
        else verdict.reason
    )
    return f"Approval {approval_id}, answer {round} refused: {reason}"


@task(name="forget-approval-answer", retries=2, retry_delay_seconds=1, **UNCACHED)
def forget_answer(flow_run_id: str, key: str) -> bool:
    """Deletes an answer from the run's inputs on the Prefect server, where anyone with API access
    could read its code; False when it was gone already."""
    with get_client(sync_client=True) as client:
        try:
            client.delete_flow_run_input(flow_run_id=UUID(flow_run_id), key=key)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 404:
                raise
            return False
    run_logger().info(f"The answer {key} was deleted from the run's inputs once judged")
    return True


def expire_approval(approval_id: int) -> str:
    """Marks the approval expired (once), audits it and tells its approvers and the exam's
    coordinators; returns the message the run ends with. Not a task: it runs when a pause has timed
    out, and Prefect starts no task in a run that is still paused."""
    with transaction() as session:
        message = approvals.expire_by_id(session, approval_id=approval_id)
    _deliver()
    return message


@task(name="remind-approvals", **UNCACHED)
def remind_due() -> int:
    """Reminds the approvers of every approval expiring soon, once each; returns how many approvals."""
    with transaction() as session:
        reminded = approvals.remind_due(session, now=now(), before=get_settings().approval_reminder_before)
    _deliver()
    run_logger().info(f"Reminders mailed for {reminded} approvals expiring soon")
    return reminded


@task(name="expire-approvals", **UNCACHED)
def expire_due() -> list[tuple[str | None, str]]:
    """Expires every approval past its expiry; returns each one's flow run and closing message."""
    with transaction() as session:
        expired = approvals.expire_due(session, now=now())
    _deliver()
    run_logger().info(
        f"{len(expired)} approvals past their expiry marked expired; approvers and coordinators mailed"
    )
    return expired


@task(name="fail-expired-runs", retries=2, retry_delay_seconds=5, **UNCACHED)
def fail_waiting_runs(expired: list[tuple[str | None, str]]) -> int:
    """Fails each run still waiting on an expired approval, with the message that says how to start
    it again; a run that ended already is left as it is. Returns how many were failed. (Should the
    Prefect API stay unreachable, the run's own pause timeout fails it an hour later.)"""
    failed = 0
    with get_client(sync_client=True) as client:
        for flow_run_id, message in expired:
            if flow_run_id is None:
                continue
            run = client.read_flow_run(UUID(flow_run_id))
            if run.state is not None and run.state.is_paused():
                fail_run(flow_run_id, message)
                failed += 1
    run_logger().info(f"{failed} runs still waiting on an expired approval set Failed")
    return failed


def fail_run(flow_run_id: str, message: str) -> None:
    """Sets the run Failed with `message`, past Prefect's orchestration, which once a pause has timed
    out would put its own message ('never resumed') in its place."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(flow_run_id), Failed(message=message), force=True)
