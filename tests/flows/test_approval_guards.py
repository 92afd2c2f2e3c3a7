"""Approvals that cannot be replayed or forgotten, on a real flow under the Prefect harness: each
answer deleted from the run input once judged, a code read from an earlier answer refused, the
sixth wrong answer refused as locked, an unanswered approval expired, its run failed saying how to
start again, and the reminder sweep."""

from __future__ import annotations

import email
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.settings import PREFECT_API_URL
from prefect.states import Suspended
from sqlalchemy import select

from deployments import approver
from deployments.approver import CodeMail
from flows.approval import ask_for_approval
from flows.approval_reminders import approval_reminders
from models.approvals import ApprovalRequest
from models.domain import Role
from store import approvals, audit
from store.db import transaction
from store.schema import Approval
from tasks.clock import now
from tests.conftest import examflow_environment
from tests.flows.conftest import World

OCCASION = "probe-occasion"
WRONG = "ZZZZ2345"


@flow(name="approval-probe")
def probe(kind: str, role: str) -> str:
    verdict, answer = ask_for_approval(
        kind=kind, occasion_id=OCCASION, role=Role(role), title=f"Probe {kind}", evidence="A probe."
    )
    return f"{verdict.decision} by {verdict.approver_id}: {answer.comment}"


Step = Callable[[list[CodeMail]], dict[str, Any]]


@dataclass
class Script:
    """Answers a probe run's forms one step each, a step making its answer from the run's code mails."""

    world: World
    steps: list[Step]
    sent: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = ""

    def answer_once(self) -> None:
        for run in approver.paused_runs("approval-probe"):
            mails = [m for m in approver.code_mails(self.world.outbox) if m.flow_run_id == str(run.id)]
            if not mails or len(self.sent) >= len(self.steps):
                continue
            fields = {"decision": "approve", "comment": "checked", **self.steps[len(self.sent)](mails)}
            approver.answer(run.id, mails[-1], **fields)
            self.run_id = str(run.id)
            self.sent.append(fields)


@contextmanager
def scripted(world: World, steps: list[Step]) -> Iterator[Script]:
    script = Script(world, steps)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            script.answer_once()
            stop.wait(0.3)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        stop.set()
        thread.join(timeout=10)


def newest(staff_id: str) -> Step:
    return lambda mails: {
        "approver_id": staff_id,
        "approval_code": [m for m in mails if m.staff_id == staff_id][-1].code,
    }


def as_(staff_id: str, code_of: str, which: int) -> Step:
    """An answer given as `staff_id` carrying the `which`-th code mailed to `code_of`."""
    return lambda mails: {
        "approver_id": staff_id,
        "approval_code": [m for m in mails if m.staff_id == code_of][which].code,
    }


def input_status(run_id: str, key: str) -> int:
    return httpx.get(f"{PREFECT_API_URL.value()}/flow_runs/{run_id}/input/{key}").status_code


def approval_of(kind: str) -> Approval:
    with transaction() as session:
        approval = session.scalar(select(Approval).where(Approval.kind == kind).order_by(Approval.id.desc()))
        assert approval is not None
        return approval


def refusals(kind: str) -> list[str]:
    approval_id = approval_of(kind).id
    with transaction() as session:
        found = audit.events(session, occasion_id=OCCASION, action="approval.refused")
    return [e.detail["reason"] for e in found if e.detail["approval_id"] == approval_id]


def run_texts(run_id: str) -> str:
    """Everything Prefect holds on the run that a reader could see: its inputs, logs and events."""
    with get_client(sync_client=True) as client:
        inputs = client.filter_flow_run_input(UUID(run_id), key_prefix="", limit=200, exclude_keys=set())
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)])))
    events = httpx.post(
        f"{PREFECT_API_URL.value()}/events/filter",
        json={"filter": {"any_resource": {"id": [f"prefect.flow-run.{run_id}"]}}, "limit": 50},
    )
    events.raise_for_status()
    assert events.json()["events"], "the server kept no event of the run to search"
    return "\n".join([*(i.value for i in inputs), *(log.message for log in logs), events.text])


def test_a_code_read_from_an_earlier_answer_is_refused_and_no_answer_stays_in_the_run_input(world: World):
    kind = "probe-replay"
    steps = [
        as_("staff-coordinator-1", code_of="staff-planner-1", which=0),  # someone else's code: spent
        as_("staff-planner-1", code_of="staff-planner-1", which=0),  # replayed by its holder: refused
        newest("staff-planner-1"),
    ]
    with scripted(world, steps) as script:
        result = probe(kind, Role.PLANNER)
    assert result == "approve by staff-planner-1: checked"
    assert refusals(kind) == [
        "'staff-coordinator-1' does not hold the role planner for this exam",
        "the approval code is not the one sent to you for this approval",
    ]
    for round in (1, 2, 3):
        assert input_status(script.run_id, f"paused-{kind}-{round}-response") == 404
        assert input_status(script.run_id, f"paused-{kind}-{round}-description") == 200
    seen = run_texts(script.run_id)
    assert "The code it carried is spent: staff-planner-1 was mailed a new one" in seen
    codes = [s["approval_code"] for s in script.sent]
    assert len(set(codes)) == 2 and not any(code in seen for code in codes)


def test_the_sixth_wrong_answer_is_refused_as_locked_and_every_grader_gets_a_new_code(world: World):
    kind = "probe-lock"
    wrong: Step = lambda mails: {"approver_id": "staff-grader-1", "approval_code": WRONG}  # noqa: E731
    with scripted(world, [wrong] * 6 + [newest("staff-grader-ext-1")]) as script:
        result = probe(kind, Role.GRADER)
    assert result == "approve by staff-grader-ext-1: checked"
    reasons = refusals(kind)
    assert len(reasons) == 6
    assert reasons[4] == reasons[0] == "the approval code is not the one sent to you for this approval"
    assert reasons[5].startswith("this approval is locked after 5 wrong answers")
    approval = approval_of(kind)
    assert approval.status == "approved"
    with transaction() as session:
        [locked] = [
            e.detail
            for e in audit.events(session, occasion_id=OCCASION, action="approval.locked")
            if e.detail["approval_id"] == approval.id
        ]
    graders = ["staff-examiner-1", "staff-grader-1", "staff-grader-ext-1"]
    assert locked["new_codes_to"] == graders
    mailed = [m.staff_id for m in approver.code_mails(world.outbox) if m.flow_run_id == script.run_id]
    assert sorted(mailed) == sorted(graders * 2)
    assert all(input_status(script.run_id, f"paused-{kind}-{n}-response") == 404 for n in range(1, 8))


def expiry_mails(world: World, title: str) -> list[str]:
    found = []
    for path in sorted(world.outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if message["Subject"] == f"[examflow] Approval expired: {title}":
            found.append(message["To"])
    return sorted(found)


def test_an_unanswered_approval_expires_fails_its_run_saying_how_to_start_again(world: World):
    kind = "probe-expiry"
    with examflow_environment({"EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": f"{kind}=3s"}):
        state = probe(kind, Role.PLANNER, return_state=True)
    assert state.is_failed()
    assert "The approval 'Probe probe-expiry' expired at" in state.message
    assert "To start again, run the flow 'approval-probe' with the parameters" in state.message
    assert '{"kind": "probe-expiry", "role": "planner"}' in state.message
    expired = approval_of(kind)
    assert expired.status == "expired"
    with transaction() as session:
        events = audit.events(session, occasion_id=OCCASION, action="approval.expired")
    assert [e.detail["told"] for e in events if e.detail["approval_id"] == expired.id] == [
        ["staff-coordinator-1", "staff-planner-1"]
    ]
    assert expiry_mails(world, "Probe probe-expiry") == [
        "staff-coordinator-1@examflow.local",
        "staff-planner-1@examflow.local",
    ]
    with scripted(world, [newest("staff-planner-1")]):  # started again: a new approval, answered
        assert probe(kind, Role.PLANNER) == "approve by staff-planner-1: checked"
    again = approval_of(kind)
    assert again.id != expired.id and again.key != expired.key and again.status == "approved"


def test_the_sweep_reminds_once_and_fails_a_suspended_run_whose_approval_expired(world: World):
    with get_client(sync_client=True) as client:
        waiting = client.create_flow_run(
            probe,
            parameters={"kind": "probe-sweep", "role": "planner"},
            state=Suspended(timeout_seconds=3600, pause_key="probe-sweep-1"),
        )
    restart = "To start again, run the deployment 'approval-probe/local' with the same parameters."
    with transaction() as session:
        for kind, opened in (("probe-sweep", timedelta(days=15)), ("probe-remind", timedelta(days=13))):
            request = ApprovalRequest(
                key=f"{waiting.id}:{kind}",
                occasion_id=OCCASION,
                kind=kind,
                role=Role.PLANNER,
                title=f"Probe {kind}",
                restart=restart,
                flow_run_id=str(waiting.id),
            )
            approvals.open_approval(session, request=request, now=now() - opened)
    assert approval_reminders() == {"reminded": 1, "expired": 1, "runs_failed": 1}
    assert approval_reminders() == {"reminded": 0, "expired": 0, "runs_failed": 0}
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(waiting.id).state
    assert state is not None and state.is_failed()
    assert state.message.startswith("The approval 'Probe probe-sweep' expired at")
    assert state.message.endswith(restart)
    assert approval_of("probe-sweep").status == "expired"
    assert approval_of("probe-remind").status == "pending" and approval_of("probe-remind").reminded_at
