"""What every task shares: the database, the outside clients, the clock and the persistence
settings that make a task replay-safe after a flow run suspends and resumes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect.tasks import exponential_backoff

from integrations.archive import ArchiveClient
from integrations.http import Unavailable
from integrations.inspera import InsperaClient
from integrations.ladok import LadokClient
from models.settings import get_settings
from store import occasions
from store.db import transaction

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


def platform_test_id(occasion_id: str) -> str:
    """The platform test created for the occasion at planning."""
    with transaction() as session:
        test_id = occasions.get(session, occasion_id).platform_test_id
    if test_id is None:
        raise LookupError(f"occasion {occasion_id} has no platform test: run plan-exam first")
    return test_id


def now() -> datetime:
    return datetime.now(UTC)


def register() -> LadokClient:
    return LadokClient(get_settings().ladok_url)


def platform() -> InsperaClient:
    s = get_settings()
    return InsperaClient(s.inspera_url, api_key=s.inspera_api_key, tenant=s.inspera_tenant)


def archive() -> ArchiveClient:
    return ArchiveClient(get_settings().archive_url)
