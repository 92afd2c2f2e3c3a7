"""The platform's transfer to FS over real HTTP: the Inspera stand-in's once-only transfer writes into
the FS stand-in's results, which `FsClient.results` reads back. A second transfer is refused (a
replay of the first request is answered as the first was); the injected faults drop or change
results while the platform reports nothing failed; a candidate not on the test is reported failed; a
test not yet graded is refused. The answers meet the contract schemas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.fs import FsClient
from integrations.http import AlreadyDone, ApiError, RetryPolicy
from integrations.inspera import InsperaClient
from models.fs_transfer import FsResult
from simulators import fs, inspera
from simulators.server import serve_in_thread
from tests.conftest import examflow_environment
from tests.contracts import check

USER, PASSWORD, KEY = "api-user", "s3cret", "test-key"
UNIT = "VmVudGhldDoxOTQsVERUNDE0NSwxLFZBUiwyMDI3"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)
CODES = ("30101", "30102", "30103")


class Clock:
    def __init__(self) -> None:
        self.now = (START - timedelta(days=1)).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def urls(tmp_path: Path, clock: Clock) -> Iterator[tuple[str, str]]:
    """The FS stand-in holding the unit and its registrations; the platform pointed at it."""
    with (
        serve_in_thread(fs.create_app(tmp_path / "fs.db", users={USER: PASSWORD})) as fs_url,
        serve_in_thread(
            inspera.create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)
        ) as platform_url,
        examflow_environment({"EXAMFLOW_FS_URL": f"{fs_url}/"}),
    ):
        unit = {
            "eier": "194",
            "emne": {"kode": "TDT4145", "versjonskode": "1", "navn": "Datamodellering"},
            "arstall": 2030,
            "termintype": "VAR",
            "startDato": "2030-06-01",
            "vurderingsmeldinger": [{"studentnummer": f"5{c}", "kandidatnummer": c} for c in CODES],
        }
        httpx.put(f"{fs_url}/_sim/vurderingsenheter/{UNIT}", json=unit).raise_for_status()
        yield fs_url, platform_url


@pytest.fixture
def platform(urls: tuple[str, str]) -> Iterator[InsperaClient]:
    retry = RetryPolicy(attempts=2, sleep=lambda _: None)
    with InsperaClient(f"{urls[1]}/api/", api_key=KEY, tenant="uni", retry=retry) as client:
        yield client


@pytest.fixture
def register(urls: tuple[str, str]) -> Iterator[FsClient]:
    with FsClient(f"{urls[0]}/", user=USER, password=PASSWORD) as client:
        yield client


@pytest.fixture
def test_id(platform: InsperaClient, clock: Clock) -> str:
    """The unit's test on the platform with its candidates, held and open for assessment."""
    test = platform.upsert_test(
        external_test_id=UNIT,
        title="TDT4145",
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        duration_minutes=240,
    )
    body = [
        {
            "externalUserIds": [{"authType": "FEIDE", "externalUserId": f"s{c}"}],
            "candidateCode": c,
            "extraTimeMins": 0,
        }
        for c in CODES
    ]
    platform.request("POST", f"v1/test/{test.test_id}/candidates", json={"candidates": body})
    platform.set_status(test.test_id, "ACTIVE")
    clock.now = (START + timedelta(hours=5)).timestamp()
    platform.set_status(test.test_id, "FINISHED")
    platform.set_status(test.test_id, "GRADING_IN_PROGRESS")
    return test.test_id


def valid(results: list[FsResult]) -> dict[str, str | None]:
    return {r.candidate: r.grade for r in results if r.valid}


def transfer(
    urls: tuple[str, str], platform: InsperaClient, test_id: str, key: str, grades: dict[str, str]
) -> Any:
    return httpx.post(
        f"{urls[1]}/api/v1/test/{test_id}/fs-transfer",
        headers={**platform.auth_headers(), "Idempotency-Key": key},
        json={"grades": [{"candidateCode": c, "grade": g} for c, g in grades.items()]},
    )


def test_the_transfer_writes_into_fs_once_and_is_read_back(
    urls: tuple[str, str], platform: InsperaClient, register: FsClient, test_id: str
) -> None:
    assert valid(register.results(UNIT)) == {}
    grades = {"30101": "B", "30102": "Bestått", "30103": "F"}
    answer = platform.transfer_to_fs(test_id, grades)
    assert (answer.transferred, answer.failed) == (3, ())
    assert valid(register.results(UNIT)) == grades
    with pytest.raises(AlreadyDone, match="already_transferred") as refused:
        platform.transfer_to_fs(test_id, {"30101": "A"})
    assert refused.value.status == 409
    assert valid(register.results(UNIT)) == grades, "the second transfer wrote nothing"


def test_a_replayed_request_is_answered_as_the_first_and_a_new_one_refused(
    urls: tuple[str, str], platform: InsperaClient, test_id: str
) -> None:
    first = transfer(urls, platform, test_id, "k-1", {"30101": "B", "30199": "C"})
    assert first.status_code == 200 and first.json() == {"transferred": 1, "failedCandidates": ["30199"]}
    check("inspera", "fs_transfer", first.json())
    assert transfer(urls, platform, test_id, "k-1", {"30101": "B", "30199": "C"}).json() == first.json()
    again = transfer(urls, platform, test_id, "k-2", {"30101": "B"})
    assert again.status_code == 409
    check("inspera", "fs_transfer_refused", again.json())


def test_injected_faults_drop_and_change_results_while_the_platform_reports_none(
    urls: tuple[str, str], platform: InsperaClient, register: FsClient, test_id: str
) -> None:
    faults = {"drop": ["30102"], "change": {"30103": "E"}}
    httpx.put(f"{urls[1]}/_sim/test/{test_id}/fs-transfer-faults", json=faults).raise_for_status()
    answer = platform.transfer_to_fs(test_id, {"30101": "B", "30102": "C", "30103": "A"})
    assert (answer.transferred, answer.failed) == (3, ())
    assert valid(register.results(UNIT)) == {"30101": "B", "30103": "E"}


def test_a_candidate_fs_has_not_registered_on_the_unit_is_reported_failed(
    platform: InsperaClient, register: FsClient, test_id: str
) -> None:
    body = [
        {"externalUserIds": [{"authType": "FEIDE", "externalUserId": "s30104"}], "candidateCode": "30104"}
    ]
    platform.request("POST", f"v1/test/{test_id}/candidates", json={"candidates": body})
    answer = platform.transfer_to_fs(test_id, {"30101": "B", "30104": "C"})
    assert (answer.transferred, answer.failed) == (1, ("30104",))
    assert valid(register.results(UNIT)) == {"30101": "B"}


def test_a_test_not_yet_graded_is_refused_and_nothing_reaches_fs(
    platform: InsperaClient, register: FsClient, clock: Clock
) -> None:
    test = platform.upsert_test(
        external_test_id=UNIT,
        title="TDT4145",
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        duration_minutes=240,
    )
    with pytest.raises(ApiError, match="only a graded test") as refused:
        platform.transfer_to_fs(test.test_id, {"30101": "B"})
    assert not isinstance(refused.value, AlreadyDone)
    assert register.results(UNIT) == []


def test_fs_keeps_a_replaced_result_as_no_longer_valid_and_answers_in_its_schema(
    urls: tuple[str, str], register: FsClient
) -> None:
    for grade in ("D", "C"):
        body = {"kilde": "protokoll", "resultater": [{"kandidatnummer": 30102, "karakter": grade}]}
        httpx.post(f"{urls[0]}/_sim/vurderingsenheter/{UNIT}/resultater", json=body).raise_for_status()
    assert [(r.grade, r.valid) for r in register.results(UNIT)] == [("D", False), ("C", True)]
    query = {"query": "query($id: ID!) { node(id: $id) { __typename ... on Vurderingsenhet { id resultater {"
             " id kandidatnummer gyldig erKunngjort tidspunktOpprettet karakter { navn { nob } } } } } }",
             "variables": {"id": UNIT}}  # fmt: skip
    answer = httpx.post(
        f"{urls[0]}/graphql/",
        json=query,
        auth=(USER, PASSWORD),
        headers={"Feature-Flags": "beta, experimental"},
    )
    check("fs", "resultater", answer.json())
    unknown = httpx.post(f"{urls[0]}/_sim/vurderingsenheter/nope/resultater", json=body)
    assert unknown.status_code == 404
    with pytest.raises(ApiError, match="UgyldigId"):
        register.results("nope")
