"""The automations the stack makes: what each one listens for, what it starts, and when a
suspended run counts as stuck. (tests/flows/test_stuck_run_alert.py runs them on a real server.)"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from prefect.events.schemas.automations import Posture

from deployments.automations import STOPPED, WAITING, stuck_run_automations, suspended_past_reminder
from models.settings import settings_from_env


def test_a_failed_or_crashed_and_a_long_suspended_examflow_run_start_the_alert() -> None:
    deployment = uuid4()
    stopped, waiting = stuck_run_automations(deployment, timedelta(days=12))
    assert (stopped.name, waiting.name) == (STOPPED, WAITING)
    assert stopped.trigger.posture == Posture.Reactive
    assert stopped.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert waiting.trigger.posture == Posture.Proactive and waiting.trigger.within == timedelta(days=12)
    assert waiting.trigger.after == {"prefect.flow-run.Suspended"}
    for automation in (stopped, waiting):
        assert automation.trigger.for_each == {"prefect.resource.id"}
        related = automation.trigger.match_related
        assert related.model_dump() == {
            "prefect.resource.role": "tag",
            "prefect.resource.id": "prefect.tag.examflow",
        }
        [action] = automation.actions
        assert action.type == "run-deployment" and action.deployment_id == deployment
        assert action.parameters == {
            "flow_run_id": {"__prefect_kind": "jinja", "template": "{{ flow_run.id }}"}
        }


@pytest.mark.parametrize(
    ("env", "after"),
    [
        ({}, timedelta(days=12)),
        ({"EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND": "plan=7d,transfer=3d"}, timedelta(days=1)),
        (
            {"EXAMFLOW_APPROVAL_VALID_FOR": "1h", "EXAMFLOW_APPROVAL_REMINDER_BEFORE": "2h"},
            timedelta(seconds=10),
        ),
    ],
)
def test_a_run_is_stuck_once_the_first_reminder_can_have_gone_out(
    env: dict[str, str], after: timedelta
) -> None:
    settings = settings_from_env({"EXAMFLOW_HOME": "/tmp/examflow-automations", **env})
    assert suspended_past_reminder(settings) == after
