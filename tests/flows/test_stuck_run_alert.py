"""The stack's automations on the real Prefect server of the test harness: a run of an exam's flow
that fails, and one left suspended, each start the alert deployment, whose run mails the exam's
coordinator through the outbox with the v2 link to the run. Made twice, they are one of each."""

from __future__ import annotations

import email
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from uuid import UUID

import pytest
from prefect import flow, tags
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.flow_engine import run_flow
from prefect.states import Pending, Suspended

from deployments.automations import STOPPED, WAITING, make_automations
from flows.stuck_run_alert import stuck_run_alert
from tests.flows.conftest import World

COORDINATOR = "staff-coordinator-1"


@flow(name="exam-step-that-fails")
def exam_step_that_fails(params: dict[str, str]) -> None:
    raise RuntimeError("the register answered 503 three times")


@flow(name="exam-step-that-waits")
def exam_step_that_waits(params: dict[str, str]) -> None:
    """Never run: its run is created and set Suspended, as a served approval leaves it."""


@pytest.fixture
def client(prefect_harness: None) -> Iterator[SyncPrefectClient]:
    with get_client(sync_client=True) as client:
        yield client


@pytest.fixture
def alert_deployment(client: SyncPrefectClient) -> Iterator[UUID]:
    deployment = stuck_run_alert.to_deployment(name="local", tags=["alerts"]).apply()  # type: ignore[union-attr]  # sync here
    made = [make_automations(client, timedelta(seconds=10)) for _ in range(2)]
    try:
        yield deployment
    finally:
        for automation in set(made[0] + made[1]):
            client.delete_automation(automation)


def _alert_runs(client: SyncPrefectClient, deployment: UUID, count: int) -> list[FlowRun]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment]))
        )
        if len(runs) >= count:
            return runs
        time.sleep(1)
    raise AssertionError(f"{count} alert runs were not started in 90 s; found {len(runs)}")


def _mails(outbox: Path, run_id: UUID) -> list[tuple[str, str, str]]:
    """(to, subject, text) of each mail that links to the run."""
    found = [email.message_from_bytes(p.read_bytes(), policy=default) for p in sorted(outbox.glob("*.eml"))]
    mails = [
        (m["To"], str(m["Subject"]).strip(), m.get_content()) for m in found if isinstance(m, EmailMessage)
    ]
    return [mail for mail in mails if f"/v2/runs/flow-run/{run_id}" in mail[2]]


def test_a_failed_and_a_long_suspended_run_mail_the_coordinator_with_the_link(
    world: World, client: SyncPrefectClient, alert_deployment: UUID
) -> None:
    assert [len(client.read_automations_by_name(name)) for name in (STOPPED, WAITING)] == [1, 1]
    failing, waiting = world.fresh_occasion(), world.fresh_occasion()
    with tags("examflow"):
        failed = exam_step_that_fails(params={"occasion_uid": failing}, return_state=True)
    assert failed.is_failed()
    suspended = client.create_flow_run(
        exam_step_that_waits,
        parameters={"params": {"occasion_uid": waiting}},
        tags=["examflow"],
        state=Pending(),
    )
    try:
        client.set_flow_run_state(
            suspended.id, Suspended(timeout_seconds=3600, pause_key="approval"), force=True
        )
        started = time.monotonic()
        alerts = _alert_runs(client, alert_deployment, 2)
        assert time.monotonic() - started >= 5  # the suspended run's alert waits for the trigger's 10 s
        for run in alerts:
            assert run_flow(stuck_run_alert, flow_run=run, parameters=run.parameters) == [COORDINATOR]
        assert stuck_run_alert(flow_run_id=str(alerts[0].id)) == []  # a run no longer stuck: no mail
    finally:
        client.delete_flow_run(suspended.id)

    [(to, subject, text)] = _mails(world.outbox, failed.state_details.flow_run_id)
    assert subject.startswith("[examflow] A run failed: exam-step-that-fails (")
    assert f"for {failing}, failed at" in text
    assert "RuntimeError: the register answered 503 three times" in text
    [(to_too, subject, text)] = _mails(world.outbox, suspended.id)
    assert subject.startswith("[examflow] A run waits for an approval: exam-step-that-waits (")
    assert f"for {waiting}, is still waiting for an approval since" in text
    assert to == to_too == f"{COORDINATOR}@examflow.local"
