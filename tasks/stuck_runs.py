"""Mails the coordinators of a run's exams that the run stopped (failed, crashed) or waits suspended
past its reminder, with the direct link to it; started by the automations the stack makes
(deployments/automations.py), through the `stuck-run-alert` deployment."""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

from models.domain import Role
from models.settings import get_settings
from rules.stuck_runs import STUCK, StuckRun, body, occasions_named, subject
from store import audit, outbox, staff
from store.db import transaction
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


def run_link(flow_run_id: str) -> str:
    """The run's page in the Prefect UI (v2)."""
    base = PREFECT_UI_URL.value() or (PREFECT_API_URL.value() or "").removesuffix("/api")
    return f"{base.rstrip('/')}/v2/runs/flow-run/{flow_run_id}"


def read_run(flow_run_id: str) -> tuple[StuckRun, list[str]] | None:
    """The run and the occasions its parameters name; None when it is no longer stuck (resumed,
    retried or finished since the automation fired)."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        state = run.state
        if state is None or state.type.value not in STUCK:
            return None
        flow = client.read_flow(run.flow_id).name
    stuck = StuckRun(
        run_id=str(run.id),
        run_name=run.name,
        flow=flow,
        state_type=state.type.value,
        state_message=state.message or "",
        since=state.timestamp,
        link=run_link(str(run.id)),
    )
    return stuck, occasions_named(run.parameters)


@task(name="tell-coordinators-of-stuck-run", **REPLAY_SAFE)
def tell_coordinators(flow_run_id: str) -> list[str]:
    """Mails each coordinator of the run's exams once (for a run that names none, those who
    coordinate every exam); returns their staff ids."""
    found = read_run(flow_run_id)
    if found is None:
        run_logger().info(f"Flow run {flow_run_id} is no longer failed, crashed or waiting: nobody mailed")
        return []
    run, occasions = found
    with transaction() as session:
        people = {
            p.id: p
            for o in occasions or [""]
            for p in staff.holders(session, role=Role.COORDINATOR, occasion_id=o)
        }
        for person in people.values():
            text = body(run, recipient=person.name, occasions=occasions)
            outbox.enqueue(session, recipient=person.email, subject=subject(run), body=text)
        audit.record(
            session,
            actor="examflow",
            action="run.stuck_reported",
            occasion_id=occasions[0] if len(occasions) == 1 else None,
            detail={
                "flow_run": run.run_id,
                "flow": run.flow,
                "state": run.state_type,
                "told": sorted(people),
            },
        )
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    run_logger().info(
        f"{run.flow} run {run.run_name} {STUCK[run.state_type]}: coordinators mailed ({', '.join(sorted(people))})"
    )
    return sorted(people)
