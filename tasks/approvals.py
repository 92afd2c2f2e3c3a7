"""The two database steps of every approval: issue the codes, judge an answer."""

from __future__ import annotations

from prefect import task

from models.approvals import ApprovalForm, ApprovalRequest, ApprovalTicket, Verdict
from models.settings import get_settings
from store import approvals, outbox
from store.db import transaction
from tasks.common import REPLAY_SAFE, now


@task(name="open-approval", **REPLAY_SAFE)
def open_approval(request: ApprovalRequest) -> ApprovalTicket:
    """Creates the approval and mails each holder of the role a one-time code (once per key)."""
    with transaction() as session:
        ticket = approvals.open_approval(session, request=request, now=now())
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    return ticket


@task(name="check-approval-answer", **REPLAY_SAFE)
def check_answer(approval_id: int, round: int, answer: ApprovalForm, problem: str = "") -> Verdict:
    """Checks approver, role and one-time code in our store; every outcome is audited."""
    with transaction() as session:
        return approvals.check_answer(
            session, approval_id=approval_id, round=round, answer=answer, now=now(), problem=problem
        )
