"""Requests for justification and appeals read from the register's data (Norway: FS): read in one
task per occasion, sorted against our store, and one justification or appeal run started for each
new one. A request is recorded before its run is started and the start is keyed by the request,
so neither a replay nor the next collection starts a second run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import task
from pydantic import Field

from integrations.http import ApiError, Unavailable
from models.domain import Country, Frozen, RegisterRequest, RequestKind
from models.params import AppealRequest, JustificationRequest
from rules.requests import Outcome, SortedRequest, sort_requests
from store import occasions, register_requests, transfer
from store.db import transaction
from tasks.chaining import start_run
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import counted, run_logger
from tasks.systems import systems

FLOWS = {RequestKind.JUSTIFICATION: "justification", RequestKind.APPEAL: "appeal"}


# How long after publication a request can still arrive: a justification is asked within 1 week
# and given within 2, and an appeal is due 3 weeks after it (uhl §§ 5-2, 5-3); 8 weeks leaves room
# for deadlines moved past holidays. Older occasions are not read every day.
COLLECTION_WINDOW = timedelta(weeks=8)


class OccasionRequests(Frozen):
    country: Country
    found: tuple[RegisterRequest, ...] = ()
    unreadable: str = Field(default="", description="why FS could not be read for the occasion")


@task(name="list-published-norwegian-occasions")
def list_collectable_occasions(as_of: datetime | None = None) -> list[str]:
    """The occasions the daily collection covers: Norwegian, with results published in the register
    within the collection window before `as_of` (default now)."""
    since = (as_of or datetime.now(UTC)) - COLLECTION_WINDOW
    with transaction() as session:
        found = transfer.published_since(session, country=Country.NO, since=since)
    run_logger().info(
        f"{len(found)} Norwegian occasions with results published since {since:%Y-%m-%d} to collect"
    )
    return found


@task(name="read-register-requests", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def read_register_requests(occasion_id: str) -> OccasionRequests:
    """Every request FS holds for the occasion, both kinds, all pages, in one task. A Swedish
    occasion is not read: Ladok carries no requests for justification or appeal. A refusal
    (an assessment unit FS does not know, say) is reported rather than raised, so one occasion does
    not stop the collection of the others; transient errors are retried first."""
    with transaction() as session:
        country = Country(occasions.get(session, occasion_id).country)
    if country is Country.SE:
        run_logger().info(f"{occasion_id} is Swedish: Ladok holds no requests, none read")
        return OccasionRequests(country=country)
    with systems().requests() as fs:
        try:
            found = tuple(fs.requests(occasion_id))
        except ApiError as exc:
            if isinstance(exc, Unavailable):
                raise
            run_logger().warning(f"FS could not be read for {occasion_id}: {exc}")
            return OccasionRequests(country=country, unreadable=str(exc))
    run_logger().info(f"Read {len(found)} requests for justification or appeal of {occasion_id} from FS")
    return OccasionRequests(country=country, found=found)


@task(name="record-register-requests", **REPLAY_SAFE)
def record_requests(occasion_id: str, found: tuple[RegisterRequest, ...]) -> list[SortedRequest]:
    """Sorts the requests against our store and records each one to start, all in one
    transaction, before any run is started."""
    with transaction() as session:
        sorted_requests = sort_requests(
            found,
            occasion_id=occasion_id,
            candidates=register_requests.candidates(session, occasion_id=occasion_id),
            held=register_requests.held(session, occasion_id=occasion_id),
            recorded=register_requests.recorded(session, occasion_id=occasion_id),
        )
        for s in sorted_requests:
            if s.outcome is Outcome.START and s.registration_id is not None:
                register_requests.record(
                    session,
                    occasion_id=occasion_id,
                    request_id=s.request.request_id,
                    kind=s.request.kind.value,
                    registration_id=s.registration_id,
                    received_on=s.request.received_on,
                )
    outcomes = counted(Counter(s.outcome.value for s in sorted_requests))
    run_logger().info(f"Requests of {occasion_id} sorted against our store: {outcomes}")
    return sorted_requests


@task(name="start-request-runs", **REPLAY_SAFE)
def start_request_runs(occasion_id: str, sorted_requests: list[SortedRequest]) -> dict[str, str]:
    """Starts a justification or appeal run for each request sorted to start; request id → run id."""
    started: dict[str, str] = {}
    for s in sorted_requests:
        if s.outcome is not Outcome.START:
            continue
        request = s.request
        run_id = start_run(
            FLOWS[request.kind],
            {"params": flow_parameters(occasion_id, request)},
            idempotency_key=f"register-request:{occasion_id}:{request.request_id}",
        )
        with transaction() as session:
            register_requests.mark_started(
                session, occasion_id=occasion_id, request_id=request.request_id, flow_run_id=run_id
            )
        started[request.request_id] = run_id
    run_logger().info(f"Started {len(started)} justification or appeal runs for {occasion_id}")
    return started


def flow_parameters(occasion_id: str, request: RegisterRequest) -> dict[str, Any]:
    """The parameters the coordinator's form would give the justification or appeal flow."""
    params: JustificationRequest | AppealRequest
    if request.kind is RequestKind.JUSTIFICATION:
        params = JustificationRequest(
            occasion_uid=occasion_id, anonymisation_code=request.candidate, requested_on=request.received_on
        )
    else:
        params = AppealRequest(
            occasion_uid=occasion_id, anonymisation_code=request.candidate, received_on=request.received_on
        )
    return params.model_dump(mode="json")


def report_rows(sorted_requests: list[SortedRequest], started: dict[str, str]) -> list[dict[str, str]]:
    """One row per request found, for a person: what it is and what was done with it."""
    return [
        {
            "request": s.request.request_id,
            "kind": s.request.kind.value,
            "candidate": s.request.candidate,
            "received": s.request.received_on.isoformat(),
            "justification asked first": "yes" if s.request.justification_asked else "",
            "outcome": "started" if s.request.request_id in started else s.outcome.value,
            "detail": f"flow run {started[s.request.request_id]}"
            if s.request.request_id in started
            else s.detail,
        }
        for s in sorted_requests
    ]
