"""What every task shares: the database, the outside clients, the clock and the persistence
settings that make a task replay-safe after a flow run suspends and resumes."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from typing import Any

from prefect.blocks.system import Secret
from prefect.tasks import exponential_backoff
from sqlalchemy.orm import Session

from integrations.archive import ArchiveClient
from integrations.fs import FsClient
from integrations.http import RateLimit, Unavailable
from integrations.inspera import InsperaClient
from integrations.ladok import LadokClient
from integrations.similarity import SimilarityClient
from integrations.tls import client_context
from models.results import CandidateResult, ResultsExport
from models.settings import Settings, get_settings
from rules import reconciliation
from rules.law import Ruling
from store import audit, occasions, registrations
from store.db import transaction
from tasks.run_logs import forward_to_runs, run_logger

# The clients' and the store's own log lines (a retry, say) go to the run they serve.
forward_to_runs()

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


def matched_export(client: InsperaClient, test_id: str) -> ResultsExport:
    """The test's results export, each line given its register id through the test's candidate list."""
    export = client.export_results(test_id)
    return reconciliation.match_candidates(export, client.list_candidates(test_id))


def registered_export(occasion_id: str) -> tuple[ResultsExport, dict[str, int]]:
    """The platform's results export of the occasion and the registration id of each of its
    candidates; a candidate we do not know refuses the whole export, naming them."""
    with platform() as client:
        export = matched_export(client, platform_test_id(occasion_id))
    with transaction() as session:
        held = {r.student_uid: r.id for r in registrations.registered(session, occasion_id=occasion_id)}
    check_registered(occasion_id, list(export.candidates), held)
    return export, held


def registered_results(occasion_id: str) -> tuple[list[CandidateResult], dict[str, int]]:
    """`registered_export`'s candidate lines."""
    export, held = registered_export(occasion_id)
    return list(export.candidates), held


def check_registered(occasion_id: str, results: list[CandidateResult], held: dict[str, int]) -> None:
    """Refuses an export naming every candidate in it we do not hold registered."""
    unknown = sorted(r.external_user_id for r in results if r.external_user_id not in held)
    if unknown:
        raise LookupError(f"the platform has candidates not registered on {occasion_id}: {unknown}")


def now() -> datetime:
    return datetime.now(UTC)


def register(*, writers: int | None = None) -> LadokClient:
    """The register's client; a writing client keeps inside the register's rate limit."""
    settings = get_settings()
    rate = settings.ladok_requests_per_second
    limit = RateLimit(rate) if writers and rate else None
    return LadokClient(
        settings.ladok_url,
        rate_limit=limit,
        max_connections=max(16, writers or 0),
        ssl_context=ladok_tls(settings),
    )


def ladok_tls(settings: Settings) -> ssl.SSLContext | None:
    """The client certificate Ladok authenticates examflow by, when one is set; its passphrase
    from the settings or else from the Prefect Secret block they name."""
    if settings.ladok_cert is None:
        return None
    if settings.ladok_cert_password is not None:
        password: str | None = settings.ladok_cert_password.get_secret_value()
    elif settings.ladok_cert_password_block:
        password = str(Secret.load(settings.ladok_cert_password_block).get())  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
    else:
        password = None
    return client_context(settings.ladok_cert, password, settings.ladok_ca_bundle)


def platform() -> InsperaClient:
    s = get_settings()
    return InsperaClient(s.inspera_url, api_key=s.inspera_api_key.get_secret_value(), tenant=s.inspera_tenant)


def archive() -> ArchiveClient:
    return ArchiveClient(get_settings().archive_url)


def similarity() -> SimilarityClient:
    return SimilarityClient(get_settings().similarity_url)


def fs_register() -> FsClient:
    """Norway's register (FS), for the requests it holds."""
    s = get_settings()
    return FsClient(s.fs_url, user=s.fs_user, password=s.fs_password.get_secret_value())


def record_refusal(
    session: Session, *, actor: str, action: str, occasion_id: str, candidate: str, ruling: Ruling
) -> None:
    """Audits a request the law refuses, with the deciding rule and the reason given."""
    audit.record(
        session,
        actor=actor,
        action=action,
        occasion_id=occasion_id,
        detail={"candidate": candidate, "rule": ruling.rule, "reason": ruling.reason},
    )
    run_logger().info(f"Refused by the law ({action}) for {candidate}: {ruling.reason} ({ruling.rule})")
