"""How tasks retry and replay: an outside system that was unavailable is tried again, a refusal
or a bug never; a task's persisted result comes back from cache when a suspended run replays."""

from __future__ import annotations

from typing import Any

from prefect.tasks import exponential_backoff

from integrations.http import Unavailable

# A task whose result is persisted and cached per flow run (Prefect's default cache policy is
# inputs + task source + run id) comes back from cache when a suspended run replays from the top.
REPLAY_SAFE: dict[str, Any] = {"persist_result": True}


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only when an outside system was unavailable, never on a refusal or a bug."""
    try:
        state.result()
    except Unavailable:
        return True
    except Exception:
        return False
    return False


# Retries for a task that talks to an outside system; the client already retried each call.
OUTSIDE_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=5),
    "retry_condition_fn": retry_transient,
}
