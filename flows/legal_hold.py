"""legal-hold: a coordinator places a hold on an exam (a complaint, or a case they mark), which
stops retention purging it, or lifts it. An appeal not yet decided holds its exam by itself."""

from __future__ import annotations

from prefect import flow

from models.retention import LegalHoldRequest
from tasks.clock import now
from tasks.retention import set_legal_hold
from tasks.run_logs import run_logger


@flow(name="legal-hold")
def legal_hold(params: LegalHoldRequest) -> str:
    outcome = set_legal_hold(params, now())
    run_logger().info(outcome)
    return outcome
