"""Approvals: one-time codes issued to the holders of a role, and answers checked against them.

Both steps are keyed so that a replayed flow (after suspension) gets the same ticket and the
same verdict back instead of issuing new codes or judging an answer twice.

A code is good for one answer: an answer carrying a valid code of the approval spends it, whatever
else is wrong with the answer, and its holder is mailed a new one saying why. An answer carrying no
valid code is a wrong answer; the fifth since the codes were issued locks the approval: every code
is replaced and each approver is mailed the new one. The first answer carrying a new code lifts
the lock (and is then judged as usual); wrong answers meanwhile are refused as locked and count
towards the next lock. At its expiry an open approval is marked expired and its approvers and the
exam's coordinators are told how to start the run again.
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
    OpenApproval,
    Verdict,
)
from models.domain import Decision, Role
from models.settings import get_settings
from store import audit, outbox, staff
from store.schema import Approval, ApprovalAnswer, ApprovalCode, Staff

MAX_WRONG_ANSWERS = 5
OPEN = ("pending", "locked")


def _hash(approval_id: int, staff_id: str, code: str) -> str:
    """Keyed, so that the stored hashes of short codes cannot be reversed without the key."""
    message = f"{approval_id}:{staff_id}:{code}".encode()
    return hmac.new(get_settings().signing_key, message, hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _codes(session: Session, approval: Approval) -> list[ApprovalCode]:
    query = (
        select(ApprovalCode).where(ApprovalCode.approval_id == approval.id).order_by(ApprovalCode.staff_id)
    )
    return list(session.scalars(query))


def _ticket(session: Session, approval: Approval) -> ApprovalTicket:
    codes = _codes(session, approval)
    return ApprovalTicket(
        approval_id=approval.id,
        key=approval.key,
        role=Role(approval.role),
        approvers=tuple(c.staff_id for c in codes),
        expires_at=approval.expires_at or max(c.expires_at for c in codes),
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
        title=request.title,
        ui_url=request.ui_url,
        restart=request.restart,
        expires_at=now + get_settings().approval_lifetime(request.kind),
        wrong_answers=0,
    )
    session.add(approval)
    session.flush()
    for person in approvers:
        _issue(session, approval, person)
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
            "expires_at": f"{approval.expires_at:%Y-%m-%d %H:%M} UTC",
        },
    )
    session.flush()
    return _ticket(session, approval)


def _issue(session: Session, approval: Approval, person: Staff, why: str = "") -> None:
    """Mails `person` a new code for the approval; the one they held before, if any, is void."""
    code = _new_code()
    assert approval.expires_at is not None
    held = session.scalar(
        select(ApprovalCode).where(
            ApprovalCode.approval_id == approval.id, ApprovalCode.staff_id == person.id
        )
    )
    if held is None:
        held = ApprovalCode(
            approval_id=approval.id, staff_id=person.id, code_hash="", expires_at=approval.expires_at
        )
        session.add(held)
    held.code_hash = _hash(approval.id, person.id, code)
    outbox.enqueue(
        session,
        recipient=person.email,
        subject=f"[examflow] {'New approval' if why else 'Approval'} code: {approval.title}",
        body=_code_mail(person, approval, code, why),
    )


def _code_mail(person: Staff, approval: Approval, code: str, why: str) -> str:
    where = f"Open {approval.ui_url} and choose Resume.\n" if approval.ui_url else ""
    because = f"Why a new code: {why}\n" if why else ""
    return (
        f"Hello {person.name},\n\nYour approval is asked for: {approval.title}\n"
        f"Occasion: {approval.occasion_id}\nFlow run: {approval.flow_run_id}\nYour staff id: {person.id}\n"
        f"One-time approval code: {code}\nValid until: {approval.expires_at:%Y-%m-%d %H:%M} UTC\n"
        f"{because}\n{where}"
    )


def check_answer(
    session: Session, *, approval_id: int, round: int, answer: ApprovalForm, now: datetime, problem: str = ""
) -> Verdict:
    """Judges one answer; the same (approval, round) always gets the same verdict back. `problem` is
    what the flow found wrong with the answer's content (e.g. a note on a candidate not in the
    grader's committee): the answer is refused with it."""
    approval = session.get(Approval, approval_id, with_for_update=True)
    if approval is None:
        raise LookupError(f"no approval {approval_id}")
    given = session.get(ApprovalAnswer, (approval_id, round))
    if given is not None:
        return _verdict(approval, given)
    if approval.status in OPEN and _due(approval, now):
        expire(session, approval)
    holder = _holder(session, approval, answer.approval_code) if approval.status in OPEN else None
    if holder is not None and approval.status == "locked":
        _unlock(session, approval, holder)
    reason = _refusal(session, approval, answer, holder) or problem
    shown = _consequence(session, approval, round, answer, holder, reason) if reason else ""
    given = ApprovalAnswer(
        approval_id=approval_id,
        round=round,
        approver_id=answer.approver_id,
        decision=answer.decision,
        accepted=not reason,
        reason=shown[:500],
        answered_at=now,
        code_holder=holder,
        content=None if reason else answer.model_dump(mode="json", exclude={"approval_code"}),
    )
    session.add(given)
    if not reason:
        _decide(session, approval, answer, now)
    session.flush()
    return _verdict(approval, given)


def _due(approval: Approval, now: datetime) -> bool:
    return approval.expires_at is not None and approval.expires_at <= now


def _holder(session: Session, approval: Approval, code: str) -> str | None:
    """Whose valid code of this approval `code` is, if anyone's."""
    for held in _codes(session, approval):
        if hmac.compare_digest(held.code_hash, _hash(approval.id, held.staff_id, code)):
            return held.staff_id
    return None


def _refusal(session: Session, approval: Approval, answer: ApprovalForm, holder: str | None) -> str:
    """Why this answer cannot be taken, or '' when it can."""
    if approval.status == "expired":
        return f"this approval expired at {approval.expires_at:%Y-%m-%d %H:%M} UTC"
    if approval.status not in OPEN:
        return f"this approval was already decided ({approval.status})"
    if approval.status == "locked":
        return (
            f"this approval is locked after {MAX_WRONG_ANSWERS} wrong answers: only a code from the "
            "new mail sent to each approver is taken"
        )
    if session.get(Staff, answer.approver_id) is None:
        return f"unknown approver '{answer.approver_id}'"
    if not staff.holds_role(
        session, staff_id=answer.approver_id, role=approval.role, occasion_id=approval.occasion_id
    ):
        return f"'{answer.approver_id}' does not hold the role {approval.role} for this exam"
    if holder != answer.approver_id:
        return _not_yours(session, approval, answer.approver_id)
    if answer.decision == Decision.REJECT and not answer.comment.strip():
        return "a rejection needs a comment saying why"
    return ""


def _not_yours(session: Session, approval: Approval, approver_id: str) -> str:
    """Why an approver's answer carries no code of theirs: none was sent to them (the approval
    waits for others), or the code is not the one they were sent."""
    approvers = [c.staff_id for c in _codes(session, approval)]
    if approver_id not in approvers:
        role = approval.role.replace("_", " ")
        return (
            f"this approval waits for the {role} {', '.join(approvers)} first: no code of it was sent to you"
        )
    return "the approval code is not the one sent to you for this approval"


def _consequence(
    session: Session, approval: Approval, round: int, answer: ApprovalForm, holder: str | None, reason: str
) -> str:
    """Audits a refusal and does what follows from it: a valid code carried is spent and its holder
    mailed a new one; an answer without one counts towards the lock. Returns what the form shows."""
    detail: dict[str, object] = {"approval_id": approval.id, "round": round, "reason": reason}
    if holder is not None:
        detail["code_spent_of"] = holder
    audit.record(
        session,
        actor=answer.approver_id,
        action="approval.refused",
        occasion_id=approval.occasion_id,
        detail=detail,
    )
    if approval.status not in OPEN:
        return reason
    if holder is not None:
        person = session.get(Staff, holder)
        assert person is not None
        _issue(session, approval, person, why=f"your code came in an answer that was not accepted ({reason})")
        return f"{reason}. The code it carried is spent: {holder} was mailed a new one"
    approval.wrong_answers += 1
    if approval.wrong_answers < MAX_WRONG_ANSWERS:
        return reason
    _lock(session, approval)
    return (
        f"{reason}. That was wrong answer {MAX_WRONG_ANSWERS}: the approval is locked, its codes are "
        f"void and each approver was mailed a new one"
    )


def _lock(session: Session, approval: Approval) -> None:
    codes = _codes(session, approval)
    approval.status = "locked"
    approval.wrong_answers = 0
    why = f"the approval was locked after {MAX_WRONG_ANSWERS} wrong answers; every earlier code is void"
    for held in codes:
        person = session.get(Staff, held.staff_id)
        assert person is not None
        _issue(session, approval, person, why=why)
    audit.record(
        session,
        actor="examflow",
        action="approval.locked",
        occasion_id=approval.occasion_id,
        detail={
            "approval_id": approval.id,
            "kind": approval.kind,
            "wrong_answers": MAX_WRONG_ANSWERS,
            "new_codes_to": [c.staff_id for c in codes],
        },
    )


def _unlock(session: Session, approval: Approval, holder: str) -> None:
    approval.status = "pending"
    audit.record(
        session,
        actor="examflow",
        action="approval.unlocked",
        occasion_id=approval.occasion_id,
        detail={"approval_id": approval.id, "new_code_of": holder},
    )


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


def _verdict(approval: Approval, given: ApprovalAnswer) -> Verdict:
    content = given.content or {}
    expired = not given.accepted and approval.status == "expired"
    return Verdict(
        accepted=given.accepted,
        reason=expiry_message(approval) if expired else given.reason,
        approver_id=given.approver_id,
        decision=Decision(given.decision) if given.accepted else None,
        comment=content.get("comment", ""),
        expired=expired,
        fields=content,
    )


def verdict_of(session: Session, *, approval_id: int, round: int) -> Verdict | None:
    """The verdict already given on a round, if any: a replayed run takes it instead of asking again."""
    given = session.get(ApprovalAnswer, (approval_id, round))
    approval = session.get(Approval, approval_id)
    return None if given is None or approval is None else _verdict(approval, given)


def expiry_message(approval: Approval) -> str:
    return (
        f"The approval '{approval.title}' expired at {approval.expires_at:%Y-%m-%d %H:%M} UTC without a "
        f"decision. {approval.restart}".strip()
    )


def expire(session: Session, approval: Approval) -> bool:
    """Marks an open approval expired, audits it and tells its approvers and the exam's coordinators;
    False when it was no longer open."""
    if approval.status not in OPEN:
        return False
    approval.status = "expired"
    approvers = [c.staff_id for c in _codes(session, approval)]
    coordinators = staff.holders(session, role=Role.COORDINATOR, occasion_id=approval.occasion_id)
    people = {p.id: p for p in [*(session.get(Staff, s) for s in approvers), *coordinators] if p is not None}
    message = expiry_message(approval)
    for person in people.values():
        outbox.enqueue(
            session,
            recipient=person.email,
            subject=f"[examflow] Approval expired: {approval.title}",
            body=f"Hello {person.name},\n\n{message}\n\nOccasion: {approval.occasion_id}\n"
            f"Flow run: {approval.flow_run_id}\n",
        )
    audit.record(
        session,
        actor="examflow",
        action="approval.expired",
        occasion_id=approval.occasion_id,
        detail={
            "approval_id": approval.id,
            "kind": approval.kind,
            "expired_at": f"{approval.expires_at:%Y-%m-%d %H:%M} UTC",
            "told": sorted(people),
        },
    )
    session.flush()
    return True


def expire_by_id(session: Session, *, approval_id: int) -> str:
    """Expires the approval (once); returns the message its run ends with."""
    approval = session.get(Approval, approval_id, with_for_update=True)
    if approval is None:
        raise LookupError(f"no approval {approval_id}")
    expire(session, approval)
    return expiry_message(approval)


def expire_due(session: Session, *, now: datetime) -> list[tuple[str | None, str]]:
    """Expires every open approval past its expiry; returns each one's run and the message it ends with."""
    due = session.scalars(
        select(Approval)
        .where(Approval.status.in_(OPEN), Approval.expires_at <= now)
        .order_by(Approval.id)
        .with_for_update()
    ).all()
    return [(a.flow_run_id, expiry_message(a)) for a in due if expire(session, a)]


def remind_due(session: Session, *, now: datetime, before: timedelta) -> int:
    """Mails each approver of an open approval expiring within `before` a reminder, once; returns
    how many approvals were reminded of."""
    due = session.scalars(
        select(Approval)
        .where(
            Approval.status.in_(OPEN),
            Approval.reminded_at.is_(None),
            Approval.expires_at > now,
            Approval.expires_at <= now + before,
        )
        .order_by(Approval.id)
        .with_for_update()
    ).all()
    for approval in due:
        approval.reminded_at = now
        approvers = [c.staff_id for c in _codes(session, approval)]
        for person in filter(None, (session.get(Staff, s) for s in approvers)):
            outbox.enqueue(
                session,
                recipient=person.email,
                subject=f"[examflow] Reminder: {approval.title}",
                body=_reminder(person, approval),
            )
        audit.record(
            session,
            actor="examflow",
            action="approval.reminded",
            occasion_id=approval.occasion_id,
            detail={"approval_id": approval.id, "kind": approval.kind, "approvers": approvers},
        )
    session.flush()
    return len(due)


def _reminder(person: Staff, approval: Approval) -> str:
    where = f"Open {approval.ui_url} and choose Resume.\n" if approval.ui_url else ""
    return (
        f"Hello {person.name},\n\nYour decision is still asked for: {approval.title}\n"
        f"Occasion: {approval.occasion_id}\nFlow run: {approval.flow_run_id}\n"
        f"It expires at {approval.expires_at:%Y-%m-%d %H:%M} UTC; after that its run stops and has to be "
        "started again. Use the code of the latest approval-code mail you had for it.\n\n"
        f"{where}"
    )


def open_approvals(session: Session) -> list[OpenApproval]:
    """Every approval still waiting for an answer, the one expiring first first."""
    waiting = session.scalars(
        select(Approval).where(Approval.status.in_(OPEN)).order_by(Approval.expires_at, Approval.id)
    ).all()
    return [
        OpenApproval(
            approval_id=a.id,
            occasion_id=a.occasion_id,
            title=a.title,
            role=Role(a.role),
            approvers=tuple(c.staff_id for c in _codes(session, a)),
            since=a.created_at,
            until=a.expires_at or a.created_at,
            flow_run_id=a.flow_run_id,
            locked=a.status == "locked",
        )
        for a in waiting
    ]
