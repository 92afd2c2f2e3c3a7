"""Approvals that cannot be replayed or forgotten, in the store, on SQLite and PostgreSQL: a valid code
is spent by any answer carrying it, five wrong answers lock, every approval expires, and the
approvers are reminded once before it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from models.approvals import ApprovalForm, ApprovalRequest, ApprovalTicket, Verdict
from models.domain import Role
from models.settings import settings_from_env
from store import approvals, audit, staff
from store.db import transaction
from store.schema import Approval, ApprovalAnswer, OutboxMessage
from tests.conftest import examflow_environment
from tests.factories import T0

OCCASION = "occ-1"
WRONG = "ZZZZ2345"
PEOPLE = {
    "staff-coordinator-1": Role.COORDINATOR,
    "staff-planner-1": Role.PLANNER,
    "staff-planner-2": Role.PLANNER,
    "staff-grader-1": Role.GRADER,
}


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    settings = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_SECRET": "test-secret",
        "EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": "plan=7d",
    }
    with examflow_environment(settings), transaction(engine) as session:
        for staff_id, role in PEOPLE.items():
            staff.add_staff(
                session, staff_id=staff_id, name=staff_id, email=f"{staff_id}@uni.test", roles={role: ""}
            )
    with examflow_environment(settings):
        yield engine


def open_one(engine: Engine, kind: str = "transfer", role: Role = Role.PLANNER) -> ApprovalTicket:
    request = ApprovalRequest(
        key=f"run-1:{kind}",
        occasion_id=OCCASION,
        kind=kind,
        role=role,
        title=f"Approve the {kind}",
        restart="To start again, run the flow 'result-transfer' with the parameters {}.",
        flow_run_id="run-1",
    )
    with transaction(engine) as session:
        return approvals.open_approval(session, request=request, now=T0)


def codes(engine: Engine, staff_id: str) -> list[str]:
    """Every code mailed to `staff_id`, oldest first (undelivered mails keep their text)."""
    with transaction(engine) as session:
        bodies = session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == f"{staff_id}@uni.test")
            .order_by(OutboxMessage.id)
        ).all()
    return [m.group(1) for b in bodies if (m := re.search(r"^One-time approval code: (\w+)$", b, re.M))]


def mails(engine: Engine, subject: str) -> list[str]:
    with transaction(engine) as session:
        query = select(OutboxMessage.recipient).where(OutboxMessage.subject.startswith(subject))
        return sorted(session.scalars(query))


def answer(
    engine: Engine,
    ticket: ApprovalTicket,
    round: int,
    code: str,
    approver: str = "staff-planner-1",
    at: timedelta = timedelta(hours=1),
    problem: str = "",
    decision: str = "approve",
    comment: str = "ok",
) -> Verdict:
    form = ApprovalForm(approver_id=approver, decision=decision, comment=comment, approval_code=code)
    with transaction(engine) as session:
        return approvals.check_answer(
            session, approval_id=ticket.approval_id, round=round, answer=form, now=T0 + at, problem=problem
        )


def status(engine: Engine, ticket: ApprovalTicket) -> str:
    with transaction(engine) as session:
        return session.get(Approval, ticket.approval_id).status


def events(engine: Engine, action: str) -> list[dict[str, object]]:
    with transaction(engine) as session:
        return [e.detail for e in audit.events(session, occasion_id=OCCASION, action=action)]


def test_a_valid_code_is_spent_by_an_answer_refused_for_anything_else(store: Engine) -> None:
    ticket = open_one(store)
    [first] = codes(store, "staff-planner-1")
    by_another = answer(store, ticket, 1, first, approver="staff-grader-1")
    assert not by_another.accepted
    assert by_another.reason == (
        "'staff-grader-1' does not hold the role planner for this exam. "
        "The code it carried is spent: staff-planner-1 was mailed a new one"
    )
    old, new = codes(store, "staff-planner-1")
    assert old == first and new != first
    replayed = answer(store, ticket, 2, first)  # the code read from the first answer, by its holder
    assert not replayed.accepted
    assert replayed.reason == "the approval code is not the one sent to you for this approval"
    with_a_problem = answer(store, ticket, 3, new, problem="note 1: NOBODY is not a candidate")
    assert with_a_problem.reason.startswith("note 1: NOBODY is not a candidate. The code it carried is spent")
    assert not answer(store, ticket, 4, new).accepted  # spent by the answer with a problem
    newest = codes(store, "staff-planner-1")[-1]
    accepted = answer(store, ticket, 5, newest)
    assert accepted.accepted and accepted.fields == {
        "approver_id": "staff-planner-1",
        "decision": "approve",
        "comment": "ok",
    }
    assert status(store, ticket) == "approved"
    refusals = events(store, "approval.refused")
    assert [r.get("code_spent_of") for r in refusals] == ["staff-planner-1", None, "staff-planner-1", None]
    assert "Why a new code: your code came in an answer that was not accepted" in _last_code_mail(store)
    with transaction(store) as session:  # only the accepted answer's fields are kept, never a code
        kept = session.scalars(select(ApprovalAnswer.content).order_by(ApprovalAnswer.round)).all()
    assert kept == [None, None, None, None, accepted.fields]


def test_a_rejection_without_a_comment_is_refused_and_spends_the_code(store: Engine) -> None:
    ticket = open_one(store)
    [first] = codes(store, "staff-planner-1")
    bare = answer(store, ticket, 1, first, decision="reject", comment=" ")
    assert bare.reason.startswith("a rejection needs a comment saying why. The code it carried is spent")
    assert not answer(store, ticket, 2, first, decision="reject", comment="the plan misses a room").accepted
    rejected = answer(
        store, ticket, 3, codes(store, "staff-planner-1")[-1], decision="reject", comment="no room"
    )
    assert rejected.accepted and rejected.decision == "reject" and rejected.comment == "no room"
    assert status(store, ticket) == "rejected"


def _last_code_mail(engine: Engine) -> str:
    with transaction(engine) as session:
        return session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.subject.startswith("[examflow] New approval code"))
        ).all()[-1]


def test_the_fifth_wrong_answer_locks_and_the_sixth_is_refused_as_locked(store: Engine) -> None:
    ticket = open_one(store)
    before = {p: codes(store, p)[-1] for p in ("staff-planner-1", "staff-planner-2")}
    verdicts = [answer(store, ticket, n, WRONG) for n in range(1, 5)]
    assert [v.reason for v in verdicts] == [
        "the approval code is not the one sent to you for this approval"
    ] * 4
    assert status(store, ticket) == "pending" and events(store, "approval.locked") == []
    fifth = answer(store, ticket, 5, WRONG)
    assert fifth.reason.endswith(
        "the approval is locked, its codes are void and each approver was mailed a new one"
    )
    assert status(store, ticket) == "locked"
    [locked] = events(store, "approval.locked")
    assert locked["new_codes_to"] == ["staff-planner-1", "staff-planner-2"] and locked["wrong_answers"] == 5
    after = {p: codes(store, p)[-1] for p in before}
    assert all(after[p] != before[p] for p in before)
    sixth = answer(store, ticket, 6, WRONG)
    assert sixth.reason.startswith("this approval is locked after 5 wrong answers")
    assert answer(store, ticket, 7, before["staff-planner-1"]).reason.startswith("this approval is locked")
    assert status(store, ticket) == "locked"
    assert answer(store, ticket, 8, after["staff-planner-2"], approver="staff-planner-2").accepted
    assert status(store, ticket) == "approved"
    assert events(store, "approval.unlocked") == [
        {"approval_id": ticket.approval_id, "new_code_of": "staff-planner-2"}
    ]


def test_wrong_answers_while_locked_lock_again(store: Engine) -> None:
    ticket = open_one(store)
    for n in range(1, 11):
        answer(store, ticket, n, WRONG)
    assert len(events(store, "approval.locked")) == 2
    assert len(codes(store, "staff-planner-1")) == 3  # the first code and two new ones


def test_an_answer_after_the_expiry_is_refused_and_expires_the_approval(store: Engine) -> None:
    ticket = open_one(store)
    assert ticket.expires_at == T0 + timedelta(days=14)
    [code] = codes(store, "staff-planner-1")
    late = answer(store, ticket, 1, code, at=timedelta(days=14, seconds=1))
    assert not late.accepted and late.expired
    assert late.reason == (
        "The approval 'Approve the transfer' expired at 2026-01-29 08:00 UTC without a decision. "
        "To start again, run the flow 'result-transfer' with the parameters {}."
    )
    assert status(store, ticket) == "expired"
    [expired] = events(store, "approval.expired")
    assert expired["told"] == ["staff-coordinator-1", "staff-planner-1", "staff-planner-2"]
    assert mails(store, "[examflow] Approval expired") == [
        "staff-coordinator-1@uni.test",
        "staff-planner-1@uni.test",
        "staff-planner-2@uni.test",
    ]
    assert answer(store, ticket, 2, code, at=timedelta(days=15)).expired  # and stays expired
    assert len(events(store, "approval.expired")) == 1


def test_the_sweep_reminds_once_and_expires_once(store: Engine) -> None:
    ticket = open_one(store)
    planned = open_one(store, kind="plan", role=Role.COORDINATOR)
    assert planned.expires_at == T0 + timedelta(days=7)  # its kind's own setting
    two_days = timedelta(days=2)
    with transaction(store) as session:
        assert approvals.remind_due(session, now=T0 + timedelta(days=4), before=two_days) == 0
        assert approvals.remind_due(session, now=T0 + timedelta(days=5, hours=1), before=two_days) == 1
        assert approvals.remind_due(session, now=T0 + timedelta(days=6), before=two_days) == 0
        assert approvals.remind_due(session, now=T0 + timedelta(days=12, hours=1), before=two_days) == 1
        assert approvals.remind_due(session, now=T0 + timedelta(days=13), before=two_days) == 0
    assert mails(store, "[examflow] Reminder") == [
        "staff-coordinator-1@uni.test",
        "staff-planner-1@uni.test",
        "staff-planner-2@uni.test",
    ]
    with transaction(store) as session:
        assert approvals.expire_due(session, now=T0 + timedelta(days=13)) == [
            (
                "run-1",
                "The approval 'Approve the plan' expired at 2026-01-22 08:00 UTC without a decision. "
                "To start again, run the flow 'result-transfer' with the parameters {}.",
            )
        ]
        assert approvals.expire_due(session, now=T0 + timedelta(days=14)) == [
            ("run-1", approvals.expiry_message(session.get(Approval, ticket.approval_id)))
        ]
        assert approvals.expire_due(session, now=T0 + timedelta(days=15)) == []
    assert status(store, ticket) == status(store, planned) == "expired"
    assert len(events(store, "approval.expired")) == 2


def test_approval_lifetimes_come_from_the_settings_per_kind() -> None:
    settings = settings_from_env(
        {
            "EXAMFLOW_APPROVAL_VALID_FOR": "10d",
            "EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": "plan=36h, grading=30m",
            "EXAMFLOW_APPROVAL_REMINDER_BEFORE": "5s",
        }
    )
    assert settings.approval_lifetime("plan") == timedelta(hours=36)
    assert settings.approval_lifetime("grading-own-staff-examiner-1") == timedelta(minutes=30)
    assert settings.approval_lifetime("transfer") == timedelta(days=10)
    assert settings.approval_reminder_before == timedelta(seconds=5)
    assert settings_from_env({}).approval_lifetime("plan") == timedelta(days=14)
    with pytest.raises(
        ValueError, match=r"EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND \(plan\): 'soon' is not a duration"
    ):
        settings_from_env({"EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": "plan=soon"})
