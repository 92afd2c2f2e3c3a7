"""Going on to the next phase of the lifecycle without any process waiting between them."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.deployments import run_deployment
from prefect.runtime import flow_run

from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

DEPLOYMENT = "local"


def start_run(flow_name: str, parameters: dict[str, Any], idempotency_key: str) -> str:
    """Starts a run of the flow's deployment now, without waiting for it; the Prefect server
    answers a second start under the same key with the first run. Returns the run's id."""
    run = run_deployment(
        f"{flow_name}/{DEPLOYMENT}",
        parameters=parameters,
        timeout=0,
        idempotency_key=idempotency_key,
        as_subflow=False,
    )
    return str(run.id)  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T


@task(name="start-next-phase", **REPLAY_SAFE)
def start_phase(flow_name: str, parameters: dict[str, Any]) -> str:
    """Starts the next phase's deployment now. The idempotency key is this run's id and the next
    phase, so a replayed run starts nothing new."""
    run_id = start_run(flow_name, parameters, f"{flow_run.id}:{flow_name}")
    run_logger().info(f"Next phase started: {flow_name}, flow run {run_id}")
    return run_id
