"""Going on to the next phase of the lifecycle without any process waiting between them."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.deployments import run_deployment

from tasks.common import REPLAY_SAFE

DEPLOYMENT = "local"


@task(name="start-next-phase", **REPLAY_SAFE)
def start_phase(flow_name: str, parameters: dict[str, Any], key: str) -> str:
    """Starts the next phase's deployment now; the idempotency key makes a replay start nothing."""
    run = run_deployment(
        f"{flow_name}/{DEPLOYMENT}",
        parameters=parameters,
        timeout=0,
        idempotency_key=key,
        as_subflow=False,
    )
    return str(run.id)
