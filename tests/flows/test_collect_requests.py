"""collect-requests under Prefect, with requests seeded in the FS stand-in over real HTTP.

The `justification` and `appeal` deployments are registered on the test server but nobody serves
them, so the runs the collection starts wait Scheduled and are read back through Prefect's API.
The exam is seeded graded and published in the store (the one of tests/rules/test_rescoring.py),
not played through the earlier phases. The tests run in order, each building on the last."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.artifacts import Artifact
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.flow_engine import run_flow
from sqlalchemy import select, update

from flows.appeal import appeal
from flows.collect_requests import RegisterUnreadable, collect_requests
from flows.justification import justification
from models.params import CollectRequests
from store import justifications
from store.db import default_engine, transaction
from store.schema import (
    JustificationRecord,
    Occasion,
    RegisterRequestRecord,
    Registration,
    TransferLedgerEntry,
)
from tasks.justification import JustificationRefused
from tasks.reports import artifact_key
from tasks.requests import list_collectable_occasions
from tests.flows.conftest import World
from tests.store.test_rescoring import seed

OCC = "fs-requests"
SWEDISH = "fs-requests-se"
PUBLISHED = date(2026, 3, 2)  # a Monday, no holiday near


def publish(occasion_id: str) -> None:
    """Every grade of the occasion confirmed in the register on PUBLISHED."""
    at = datetime(PUBLISHED.year, PUBLISHED.month, PUBLISHED.day, 10, tzinfo=UTC)
    with transaction() as session:
        rows = session.execute(
            select(Registration.id).where(Registration.occasion_id == occasion_id)
        ).scalars()
        session.add_all(
            TransferLedgerEntry(
                idempotency_key=f"{occasion_id}:{rid}",
                occasion_id=occasion_id,
                registration_id=rid,
                grade="C",
                exam_date=PUBLISHED,
                status="confirmed",
                created_at=at,
                updated_at=at,
            )
            for rid in rows
        )


def fs_seed(world: World, body: dict[str, Any]) -> dict[str, list[str]]:
    response = httpx.post(f"{world.fs_url}/_sim/vurderingsenheter/{OCC}/requests", json=body)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def day(offset: int) -> str:
    return (PUBLISHED + timedelta(days=offset)).isoformat()


def deployment_runs(name: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(name)
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )


def started_runs() -> dict[str, str]:
    """Request id → the flow run our store says was started for it."""
    with transaction() as session:
        rows = session.execute(
            select(RegisterRequestRecord.request_id, RegisterRequestRecord.flow_run_id).where(
                RegisterRequestRecord.occasion_id == OCC
            )
        )
        return {r: run for r, run in rows if run}


@pytest.fixture(scope="module")
def seeded(world: World) -> dict[str, list[str]]:
    """X-0001 asks in time, X-0002 too late, X-0003 already asked through the coordinator's form,
    an unknown candidate number asks; X-0004 appeals twice (FS holds both)."""
    for flow in (justification, appeal):
        flow.to_deployment(name="local").apply()
    engine = default_engine()
    ids = seed(engine, country="NO", occasion_id=OCC)
    seed(engine, country="SE", occasion_id=SWEDISH)
    publish(OCC)
    publish(SWEDISH)
    with transaction() as session:
        justifications.request(
            session,
            occasion_id=OCC,
            registration_id=ids["X-0003"],
            requested_on=PUBLISHED,
            due_on=PUBLISHED + timedelta(days=14),
        )
    return fs_seed(
        world,
        {
            "begrunnelser": [
                {"kandidatnummer": "X-0001", "mottattDato": day(2)},
                {"kandidatnummer": "X-0002", "mottattDato": day(12)},
                {"kandidatnummer": "X-0003", "mottattDato": day(3)},
                {"kandidatnummer": "X-9999", "mottattDato": day(3)},
            ],
            "klager": [
                {"kandidatnummer": "X-0004", "mottattDato": day(10), "begrunnelseForespurt": False},
                {"kandidatnummer": "X-0004", "mottattDato": day(11), "begrunnelseForespurt": True},
            ],
        },
    )


@pytest.fixture(scope="module")
def collected(seeded: dict[str, list[str]]) -> dict[str, int]:
    return collect_requests(CollectRequests(occasion_uids=[OCC]))


def test_the_daily_collection_covers_recently_published_norwegian_occasions_only(
    collected: dict[str, int],
):
    published = datetime(PUBLISHED.year, PUBLISHED.month, PUBLISHED.day, 12, tzinfo=UTC)
    covered = list_collectable_occasions.fn(as_of=published + timedelta(weeks=3))
    assert OCC in covered and SWEDISH not in covered
    assert OCC not in list_collectable_occasions.fn(as_of=published + timedelta(weeks=9))


def test_each_new_request_starts_one_run_with_its_parameters(
    seeded: dict[str, list[str]], collected: dict[str, int]
):
    assert collected == {"occasions": 1, "found": 6, "started": 3, "held": 2, "refused": 1}
    in_time, late, _, _ = seeded["begrunnelser"]
    first_appeal, _ = seeded["klager"]
    started = started_runs()
    assert set(started) == {in_time, late, first_appeal}
    expected = {
        in_time: ("justification", {"anonymisation_code": "X-0001", "requested_on": day(2)}),
        late: ("justification", {"anonymisation_code": "X-0002", "requested_on": day(12)}),
        first_appeal: ("appeal", {"anonymisation_code": "X-0004", "received_on": day(10)}),
    }
    with get_client(sync_client=True) as client:
        for request_id, (flow_name, params) in expected.items():
            run = client.read_flow_run(UUID(started[request_id]))
            deployment = client.read_deployment(run.deployment_id)
            assert (client.read_flow(deployment.flow_id).name, deployment.name) == (flow_name, "local")
            assert run.parameters == {"params": {"occasion_uid": OCC, **params}}
            assert run.state is not None and run.state.is_scheduled()


def test_the_artifact_lists_what_was_found_started_held_and_refused(
    seeded: dict[str, list[str]], collected: dict[str, int]
):
    artifact = Artifact.get(artifact_key("register-requests", OCC))
    assert artifact is not None
    assert artifact.description == f"Requests in FS for {OCC}: 6 found, 3 started, 2 already held, 1 refused"
    rows = {(r["candidate"], r["kind"], r["received"]): r for r in _table(artifact)}
    assert rows[("X-9999", "justification", day(3))]["outcome"] == "refused"
    assert rows[("X-9999", "justification", day(3))]["detail"] == (
        f"candidate number X-9999 is not a candidate on {OCC}"
    )
    assert rows[("X-0003", "justification", day(3))]["detail"] == "a justification of X-0003 is already held"
    second_appeal = rows[("X-0004", "appeal", day(11))]
    assert (second_appeal["outcome"], second_appeal["justification asked first"]) == ("already held", "yes")
    assert (
        rows[("X-0001", "justification", day(2))]["detail"]
        == f"flow run {started_runs()[seeded['begrunnelser'][0]]}"
    )


def _table(artifact: Artifact) -> list[dict[str, str]]:
    data = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    return list(data)


def test_a_second_collection_starts_nothing_new(collected: dict[str, int]):
    before = {name: len(deployment_runs(name)) for name in ("justification/local", "appeal/local")}
    again = collect_requests(CollectRequests(occasion_uids=[OCC]))
    assert again == {"occasions": 1, "found": 6, "started": 0, "held": 5, "refused": 1}
    assert {name: len(deployment_runs(name)) for name in before} == before


def test_an_interrupted_start_is_started_again_as_the_same_run(
    seeded: dict[str, list[str]], collected: dict[str, int]
):
    """The row was recorded but the run's id never written back (a crash between the two): the
    next collection starts it again, and the idempotency key gives back the first run."""
    in_time = seeded["begrunnelser"][0]
    first = started_runs()[in_time]
    before = len(deployment_runs("justification/local"))
    with transaction() as session:
        session.execute(
            update(RegisterRequestRecord)
            .where(RegisterRequestRecord.request_id == in_time)
            .values(flow_run_id=None)
        )
    again = collect_requests(CollectRequests(occasion_uids=[OCC]))
    assert again["started"] == 1
    assert started_runs()[in_time] == first
    assert len(deployment_runs("justification/local")) == before


def test_a_late_request_is_refused_by_the_justification_flow_with_the_laws_reason(
    seeded: dict[str, list[str]], collected: dict[str, int]
):
    """The run started for the late request is executed here, in this process, as its deployment's
    runner would execute it: it fails with the law's reason, and nothing is recorded for it."""
    run_id = UUID(started_runs()[seeded["begrunnelser"][1]])
    with get_client(sync_client=True) as client:
        state = run_flow(justification, flow_run=client.read_flow_run(run_id), return_type="state")
        recorded = client.read_flow_run(run_id).state
    assert state.is_failed() and recorded is not None and recorded.is_failed()
    with pytest.raises(
        JustificationRefused, match="too late: a justification must be asked for within 1 week"
    ):
        state.result()
    with transaction() as session:
        asked = session.scalars(
            select(Registration.anonymisation_code)
            .join(JustificationRecord, JustificationRecord.registration_id == Registration.id)
            .where(Registration.occasion_id == OCC)
        ).all()
    assert asked == ["X-0003"]  # the coordinator's; the late request left nothing behind


def test_a_swedish_occasion_says_ladok_carries_no_requests_without_asking_fs(
    world: World, seeded: dict[str, list[str]]
):
    httpx.put(f"{world.fs_url}/_sim/faults", json={"error_rate": 1}).raise_for_status()
    try:
        result = collect_requests(CollectRequests(occasion_uids=[SWEDISH]))
    finally:
        httpx.put(f"{world.fs_url}/_sim/faults", json={}).raise_for_status()
    assert result == {"occasions": 1, "swedish": 1}
    artifact = Artifact.get(artifact_key("register-requests", SWEDISH))
    assert artifact is not None
    assert "Ladok carries no requests for justification or appeal" in str(artifact.data)
    assert "`regrade` form" in str(artifact.data)


def test_an_occasion_fs_refuses_is_named_and_the_others_are_collected(
    world: World, collected: dict[str, int]
):
    with transaction() as session:  # a Norwegian occasion FS has no assessment unit for
        session.get(Occasion, SWEDISH).country = "NO"
    try:
        with pytest.raises(RegisterUnreadable, match=f"{SWEDISH}: fs: 200: UgyldigId") as refused:
            collect_requests(CollectRequests(occasion_uids=[SWEDISH, OCC]))
    finally:
        with transaction() as session:
            session.get(Occasion, SWEDISH).country = "SE"
    assert "1 occasion(s), the rest collected" in str(refused.value)
    artifact = Artifact.get(artifact_key("register-requests", OCC))  # the other occasion was read
    assert artifact is not None and "X-0001" in str(artifact.data)
    unreadable = Artifact.get(artifact_key("register-requests", SWEDISH))
    assert unreadable is not None and "FS could not be read" in str(unreadable.data)
