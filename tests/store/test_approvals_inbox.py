"""What waits for whom, in the store, on SQLite and PostgreSQL: the open approvals the inbox lists,
and the true reason an answer from someone the approval does not (yet) ask is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from deployments.approver import code_mails
from deployments.run import mailed
from models.approvals import ApprovalForm, ApprovalRequest, ApprovalTicket
from models.domain import Role
from store import approvals, outbox, staff
from store.db import transaction
from store.schema import OutboxMessage
from tests.conftest import examflow_environment
from tests.factories import T0

PEOPLE = {
    "staff-coordinator-1": Role.COORDINATOR,
    "staff-examiner-1": Role.GRADER,
    "staff-grader-1": Role.GRADER,
}


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    settings = {"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_SECRET": "test-secret"}
    with examflow_environment(settings), transaction(engine) as session:
        for staff_id, role in PEOPLE.items():
            staff.add_staff(
                session, staff_id=staff_id, name=staff_id, email=f"{staff_id}@uni.test", roles={role: ""}
            )
    with examflow_environment(settings):
        yield engine


def ask(
    engine: Engine, kind: str, role: Role, only: tuple[str, ...] = (), minutes: int = 0
) -> ApprovalTicket:
    request = ApprovalRequest(
        key=f"run-{kind}:{kind}",
        occasion_id="occ-1",
        kind=kind,
        role=role,
        title=f"Approve the {kind}",
        flow_run_id=f"run-{kind}",
        ui_url=f"http://ui/v2/runs/flow-run/run-{kind}",
        only=only,
    )
    with transaction(engine) as session:
        return approvals.open_approval(session, request=request, now=T0 + timedelta(minutes=minutes))


def answer(engine: Engine, ticket: ApprovalTicket, round: int, approver: str, code: str) -> str:
    form = ApprovalForm(approver_id=approver, decision="approve", comment="ok", approval_code=code)
    with transaction(engine) as session:
        verdict = approvals.check_answer(
            session, approval_id=ticket.approval_id, round=round, answer=form, now=T0 + timedelta(hours=1)
        )
    return "accepted" if verdict.accepted else verdict.reason


def code_of(engine: Engine, staff_id: str) -> str:
    with transaction(engine) as session:
        body = session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == f"{staff_id}@uni.test")
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert body is not None
    found = re.search(r"^One-time approval code: (\w+)$", body, re.M)
    assert found and "Open http://ui/v2/runs/flow-run/run-" in body  # every code mail links its run
    return found.group(1)


def test_the_inbox_lists_every_open_approval_and_drops_it_once_decided(store: Engine) -> None:
    plan = ask(store, "plan", Role.COORDINATOR)
    own = ask(store, "grading-own-staff-examiner-1", Role.GRADER, only=("staff-examiner-1",), minutes=5)
    with transaction(store) as session:
        waiting = approvals.open_approvals(session)
    assert [(w.title, w.role, w.approvers, w.flow_run_id) for w in waiting] == [
        ("Approve the plan", Role.COORDINATOR, ("staff-coordinator-1",), "run-plan"),
        (
            "Approve the grading-own-staff-examiner-1",
            Role.GRADER,
            ("staff-examiner-1",),
            "run-grading-own-staff-examiner-1",
        ),
    ]
    assert waiting[0].since.replace(tzinfo=None) == T0.replace(tzinfo=None)
    assert waiting[0].until > waiting[0].since and not waiting[0].locked
    assert answer(store, plan, 1, "staff-coordinator-1", code_of(store, "staff-coordinator-1")) == "accepted"
    with transaction(store) as session:
        assert [w.approval_id for w in approvals.open_approvals(session)] == [own.approval_id]


def test_an_answer_before_ones_turn_is_refused_saying_whom_the_approval_waits_for(store: Engine) -> None:
    own = ask(store, "grading-own-staff-examiner-1", Role.GRADER, only=("staff-examiner-1",))
    assert answer(store, own, 1, "staff-grader-1", "ABCD2345") == (
        "this approval waits for the grader staff-examiner-1 first: no code of it was sent to you"
    )
    examiners = code_of(store, "staff-examiner-1")
    assert answer(store, own, 2, "staff-examiner-1", "ABCD2345") == (
        "the approval code is not the one sent to you for this approval"
    )
    assert answer(store, own, 3, "staff-examiner-1", examiners) == "accepted"


def test_make_run_prints_every_code_mailed_to_whom_for_what_and_where(store: Engine, tmp_path: Path) -> None:
    """Two codes to one person on one run (their own grading, then the joint grading) are both
    printed, each with its run's page; a new code says why."""
    own = ask(store, "grading-own-staff-examiner-1", Role.GRADER, only=("staff-examiner-1",))
    first = code_of(store, "staff-examiner-1")
    assert answer(store, own, 1, "staff-grader-1", first) == (
        "this approval waits for the grader staff-examiner-1 first: no code of it was sent to you. "
        "The code it carried is spent: staff-examiner-1 was mailed a new one"
    )
    joint = ApprovalRequest(
        key="run-grading-own-staff-examiner-1:grading",
        occasion_id="occ-1",
        kind="grading",
        role=Role.GRADER,
        title="Approve the joint grading",
        flow_run_id="run-grading-own-staff-examiner-1",
        ui_url="http://ui/v2/runs/flow-run/run-grading-own-staff-examiner-1",
    )
    with transaction(store) as session:
        approvals.open_approval(session, request=joint, now=T0)
        outbox.deliver_pending(session, folder=tmp_path / "outbox")
    printed = [mailed(m) for m in code_mails(tmp_path / "outbox")]
    link = "answer at http://ui/v2/runs/flow-run/run-grading-own-staff-examiner-1"
    assert [p.split(":")[0] for p in printed] == [
        "  mail to staff-examiner-1",  # their own grading
        "  mail to staff-examiner-1",  # a new code: the first was spent by another's answer
        "  mail to staff-examiner-1",  # the joint grading
        "  mail to staff-grader-1",
    ]
    assert "for 'Approve the grading-own-staff-examiner-1'" in printed[0] and link in printed[0]
    assert "a new code: your code came in an answer that was not accepted" in printed[1]
    assert "for 'Approve the joint grading'" in printed[2] and link in printed[2]
    assert all(re.search(r"code [A-Z2-9]{8} for", p) for p in printed)
