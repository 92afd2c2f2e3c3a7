"""The Prefect automations the stack makes (each by its name, so making them again replaces them):
a run of an exam's flow (tagged `examflow`, as every deployment of prefect.yaml but the alert's own
is) that fails or crashes, or stays suspended past its approval's reminder, starts the
`stuck-run-alert` deployment, which mails the exam's coordinators with the link to the run."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from models.settings import Settings, get_settings

ALERT_DEPLOYMENT = "stuck-run-alert/local"
STOPPED = "examflow: a run failed or crashed"
WAITING = "examflow: a run suspended past its reminder"
EXAM_RUNS = {"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.examflow"}
FLOW_RUNS = {"prefect.resource.id": "prefect.flow-run.*"}
SHORTEST_WAIT = timedelta(seconds=10)  # the least `within` Prefect takes for a proactive trigger


def suspended_past_reminder(settings: Settings) -> timedelta:
    """How long after it suspends the first approval (of the shortest validity) is reminded of."""
    valid_for = min([settings.approval_valid_for, *settings.approval_valid_for_by_kind.values()])
    return max(valid_for - settings.approval_reminder_before, SHORTEST_WAIT)


def stuck_run_automations(alert_deployment: UUID, suspended_for: timedelta) -> list[AutomationCore]:
    """The two automations; `suspended_for` is how long a run may stay suspended before its
    coordinators are told (when its approval's reminder goes out)."""
    run_id = {"__prefect_kind": "jinja", "template": "{{ flow_run.id }}"}  # rendered as text
    alert = RunDeployment(
        source="selected", deployment_id=alert_deployment, parameters={"flow_run_id": run_id}
    )
    stopped = EventTrigger(
        match=FLOW_RUNS,
        match_related=EXAM_RUNS,
        expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
        for_each={"prefect.resource.id"},
        posture=Posture.Reactive,
        threshold=1,
    )
    waiting = EventTrigger(
        match=FLOW_RUNS,
        match_related=EXAM_RUNS,
        after={"prefect.flow-run.Suspended"},
        expect={"prefect.flow-run.*"},
        for_each={"prefect.resource.id"},
        posture=Posture.Proactive,
        threshold=1,
        within=suspended_for,
    )
    return [
        AutomationCore(
            name=STOPPED,
            description="Mails the exam's coordinators when a run of its flows fails or crashes.",
            trigger=stopped,
            actions=[alert],
        ),
        AutomationCore(
            name=WAITING,
            description="Mails the exam's coordinators when a run waits suspended past its reminder.",
            trigger=waiting,
            actions=[alert],
        ),
    ]


def make_automations(client: SyncPrefectClient, suspended_for: timedelta) -> list[UUID]:
    """Creates the automations, or replaces those of the same name (one of each is left)."""
    deployment = client.read_deployment_by_name(ALERT_DEPLOYMENT)
    ids = []
    for automation in stuck_run_automations(deployment.id, suspended_for):
        held = client.read_automations_by_name(automation.name)
        for duplicate in held[1:]:
            client.delete_automation(duplicate.id)
        if held:
            client.update_automation(held[0].id, automation)
            ids.append(held[0].id)
        else:
            ids.append(client.create_automation(automation))
    return ids


def main() -> None:
    """Makes the automations on the server of PREFECT_API_URL (a work pool's, after `prefect deploy`)."""
    with get_client(sync_client=True) as client:
        made = make_automations(client, suspended_past_reminder(get_settings()))
    print(f"{len(made)} automations made: {STOPPED}; {WAITING}")


if __name__ == "__main__":
    main()
