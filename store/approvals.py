"""Approvals: one-time codes issued to the holders of a role, and answers checked against them.

Both steps are keyed so that a replayed flow (after suspension) gets the same ticket and the
same verdict back instead of issuing new codes or judging an answer twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.approvals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ApprovalForm,
    ApprovalRequest,
    ApprovalTicket,
    Verdict,
)
from models.domain import Decision, Role
from models.settings import get_settings
from store import audit, outbox, staff
from store.schema import Approval, ApprovalAnswer, ApprovalCode, Staff


def _hash(approval_id: int, staff_id: str, code: str) -> str:
    """Keyed, so that the stored hashes of short codes cannot be reversed without the key."""
    message = f"{approval_id}:{staff_id}:{code}".encode()
    return hmac.new(get_settings().signing_key, message, hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _ticket(session: Session, approval: Approval) -> ApprovalTicket:
    codes = session.scalars(select(ApprovalCode).where(ApprovalCode.approval_id == approval.id)).all()
    return ApprovalTicket(
        approval_id=approval.id,
        key=approval.key,
        role=Role(approval.role),
        approvers=tuple(sorted(c.staff_id for c in codes)),
        expires_at=max(c.expires_at for c in codes),
    )


def open_approval(session: Session, *, request: ApprovalRequest, now: datetime) -> ApprovalTicket:
    """Creates the approval and sends each holder of the role a one-time code, once per key."""
    existing = session.scalar(select(Approval).where(Approval.key == request.key))
    if existing is not None:
        return _ticket(session, existing)
    approvers = staff.holders(session, role=request.role, occasion_id=request.occasion_id)
    if request.only:
        approvers = [a for a in approvers if a.id in request.only]
    if not approvers:
        raise LookupError(
            f"nobody holds the role {request.role} for occasion {request.occasion_id}"
            + (f" among {', '.join(request.only)}" if request.only else "")
        )
    approval = Approval(
        key=request.key,
        occasion_id=request.occasion_id,
        kind=request.kind,
        role=request.role,
        flow_run_id=request.flow_run_id,
        created_at=now,
    )
    session.add(approval)
    session.flush()
    expires = now + timedelta(hours=request.valid_hours)
    for person in approvers:
        code = _new_code()
        session.add(
            ApprovalCode(
                approval_id=approval.id,
                staff_id=person.id,
                code_hash=_hash(approval.id, person.id, code),
                expires_at=expires,
            )
        )
        outbox.enqueue(
            session,
            recipient=person.email,
            subject=f"[examflow] Approval code: {request.title}",
            body=_code_mail(person, request, code, expires),
        )
    audit.record(
        session,
        actor="examflow",
        action="approval.requested",
        occasion_id=request.occasion_id,
        detail={
            "approval_id": approval.id,
            "kind": request.kind,
            "role": request.role,
            "approvers": [p.id for p in approvers],
        },
    )
    session.flush()
    return _ticket(session, approval)


def _code_mail(person: Staff, request: ApprovalRequest, code: str, expires: datetime) -> str:
    where = f"Open {request.ui_url} and choose Resume.\n" if request.ui_url else ""
    return (
        f"Hello {person.name},\n\nYour approval is asked for: {request.title}\n"
        f"Occasion: {request.occasion_id}\nFlow run: {request.flow_run_id}\nYour staff id: {person.id}\n"
        f"One-time approval code: {code}\nValid until: {expires:%Y-%m-%d %H:%M} UTC\n\n{where}"
    )


def check_answer(
    session: Session, *, approval_id: int, round: int, answer: ApprovalForm, now: datetime, problem: str = ""
) -> Verdict:
    """Judges one answer; the same (approval, round) always gets the same verdict back. `problem` is
    what the flow found wrong with the answer's content (e.g. a note on a candidate not in the
    grader's committee): the answer is refused with it, and the code stays unused."""
    given = session.get(ApprovalAnswer, (approval_id, round))
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise LookupError(f"no approval {approval_id}")
    if given is not None:
        return _verdict(approval, given, answer)
    reason = _refusal(session, approval, answer, now) or problem
    session.add(
        ApprovalAnswer(
            approval_id=approval_id,
            round=round,
            approver_id=answer.approver_id,
            decision=answer.decision,
            accepted=not reason,
            reason=reason,
            answered_at=now,
        )
    )
    if reason:
        audit.record(
            session,
            actor=answer.approver_id,
            action="approval.refused",
            occasion_id=approval.occasion_id,
            detail={"approval_id": approval_id, "round": round, "reason": reason},
        )
    else:
        _decide(session, approval, answer, now)
    session.flush()
    return _verdict(approval, session.get(ApprovalAnswer, (approval_id, round)), answer)


def _refusal(session: Session, approval: Approval, answer: ApprovalForm, now: datetime) -> str:
    """Why this answer cannot be taken, or '' when it can."""
    if approval.status != "pending":
        return f"this approval was already decided ({approval.status})"
    if session.get(Staff, answer.approver_id) is None:
        return f"unknown approver '{answer.approver_id}'"
    if not staff.holds_role(
        session, staff_id=answer.approver_id, role=approval.role, occasion_id=approval.occasion_id
    ):
        return f"'{answer.approver_id}' does not hold the role {approval.role} for this exam"
    code = session.scalar(
        select(ApprovalCode).where(
            ApprovalCode.approval_id == approval.id, ApprovalCode.staff_id == answer.approver_id
        )
    )
    if code is None or not hmac.compare_digest(
        code.code_hash, _hash(approval.id, answer.approver_id, answer.approval_code)
    ):
        return "the approval code is not the one sent to you for this approval"
    if code.expires_at <= now:
        return f"the approval code expired at {code.expires_at:%Y-%m-%d %H:%M} UTC"
    return ""


def _decide(session: Session, approval: Approval, answer: ApprovalForm, now: datetime) -> None:
    code = session.scalar(
        select(ApprovalCode).where(
            ApprovalCode.approval_id == approval.id, ApprovalCode.staff_id == answer.approver_id
        )
    )
    assert code is not None
    code.used_at = now
    approval.status = "approved" if answer.decision == Decision.APPROVE else "rejected"
    approval.decision = answer.decision
    approval.decided_by = answer.approver_id
    approval.comment = answer.comment
    approval.decided_at = now
    audit.record(
        session,
        actor=answer.approver_id,
        action="approval.decided",
        occasion_id=approval.occasion_id,
        detail={
            "approval_id": approval.id,
            "kind": approval.kind,
            "decision": answer.decision,
            "comment": answer.comment,
        },
    )


def _verdict(approval: Approval, given: ApprovalAnswer | None, answer: ApprovalForm) -> Verdict:
    assert given is not None
    return Verdict(
        accepted=given.accepted,
        reason=given.reason,
        approver_id=given.approver_id,
        decision=Decision(given.decision) if given.accepted else None,
        comment=answer.comment if given.accepted else "",
    )
