"""The law's refusals, written once: a request the law refuses is audited with the deciding rule
and the reason, logged to the run, and raised to the caller."""

from __future__ import annotations

from rules.law import Ruling
from store import audit
from store.db import transaction
from tasks.run_logs import run_logger


def enforce(
    ruling: Ruling, *, refused: type[Exception], actor: str, action: str, occasion_id: str, candidate: str
) -> None:
    """Nothing when the law allows; otherwise audits the refusal in its own transaction (kept
    whatever the caller does next) and raises `refused` with the law's reason."""
    if ruling.allowed:
        return
    with transaction() as session:
        audit.record(
            session,
            actor=actor,
            action=action,
            occasion_id=occasion_id,
            detail={"candidate": candidate, "rule": ruling.rule, "reason": ruling.reason},
        )
    run_logger().info(f"Refused by the law ({action}) for {candidate}: {ruling.reason} ({ruling.rule})")
    raise refused(ruling.reason)
