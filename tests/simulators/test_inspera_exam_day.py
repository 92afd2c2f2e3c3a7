"""The Inspera stand-in's exam-day endpoints over real HTTP: incident time and files attached to a
submission, their answers in the contract's shape (tests/contracts/inspera/), a repeated
Idempotency-Key answered once, and a fault answered 503 with nothing written."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from simulators.inspera import create_app
from simulators.server import serve_in_thread
from tests.contracts import check
from tests.simulators.test_inspera import KEY, START, Clock, _candidates, _new_test, _token

PDF = b"%PDF-1.4\n% a scanned sketch\n%%EOF\n"


@pytest.fixture
def clock() -> Clock:
    return Clock(START - timedelta(minutes=30))  # the token lives an hour


@pytest.fixture
def base(tmp_path: Path, clock: Clock) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)) as url:
        yield url


@pytest.fixture
def api(base: str) -> Iterator[httpx.Client]:
    token = _token(base).json()["access_token"]
    with httpx.Client(base_url=f"{base}/api/v1/", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def _active_test(api: httpx.Client, clock: Clock) -> int:
    test_id = _new_test(api)
    api.post(f"test/{test_id}/candidates", json=_candidates(2, extra=30)).raise_for_status()
    api.post(f"test/{test_id}/status", json={"status": "ACTIVE"}).raise_for_status()
    clock.move_to(START)
    return test_id


def _incident(api: httpx.Client, test_id: int, minutes: int, **headers: str) -> httpx.Response:
    body = {"externalUserId": "student-0", "incidentTimeMins": minutes}
    return api.post(f"test/{test_id}/candidates/incidentTime", json=body, headers=headers)


def _attach(
    api: httpx.Client, test_id: int, content: bytes, content_type: str = "application/pdf"
) -> httpx.Response:
    body = {
        "externalUserId": "student-1",
        "fileName": "sketch-EX-0001-ABC.pdf",
        "contentType": content_type,
        "content": base64.b64encode(content).decode(),
    }
    return api.post(f"test/{test_id}/candidates/attachments", json=body)


def test_incident_time_is_set_as_a_total_while_active_and_shows_in_the_export(
    base: str, api: httpx.Client, clock: Clock
) -> None:
    scheduled = _new_test(api, external_id="EXAM-2")
    api.post(f"test/{scheduled}/candidates", json=_candidates(1)).raise_for_status()
    assert _incident(api, scheduled, 10).status_code == 409
    test_id = _active_test(api, clock)
    first = _incident(api, test_id, 10, **{"Idempotency-Key": "k1"})
    check("inspera", "incident_time", first.json())
    assert _incident(api, test_id, 99, **{"Idempotency-Key": "k1"}).json()["incidentTimeMins"] == 10
    assert _incident(api, test_id, 25).json()["incidentTimeMins"] == 25
    unknown = api.post(
        f"test/{test_id}/candidates/incidentTime", json={"externalUserId": "nobody", "incidentTimeMins": 5}
    )
    assert unknown.status_code == 404
    # the candidate's end: the test's end, 30 planned and 25 incident minutes (a new token by then)
    clock.now = START.timestamp() + (4 * 60 + 30 + 25) * 60
    api.headers["Authorization"] = f"Bearer {_token(base).json()['access_token']}"
    late = _incident(api, test_id, 40)
    assert late.status_code == 409 and "ended" in late.json()["errors"][0]["message"]
    state = httpx.get(f"{base}/_sim/test/{test_id}").json()
    assert [c["extraTimeMins"] for c in state["candidates"]] == [30, 30]
    assert state["incidentTimes"] == [{"externalUserId": "student-0", "incidentTimeMins": 25}]


def test_attachments_take_pdfs_once_active_replace_by_name_and_list_with_content(
    api: httpx.Client, clock: Clock
) -> None:
    test_id = _active_test(api, clock)
    assert _attach(api, test_id, b"GIF89a").status_code == 400
    assert _attach(api, test_id, PDF, "image/png").status_code == 400
    first = _attach(api, test_id, PDF).json()["attachmentId"]
    again = _attach(api, test_id, PDF + b"% rescanned\n").json()["attachmentId"]
    listed = api.get(f"test/{test_id}/candidates/attachments").json()
    check("inspera", "attachments", listed)
    assert first == again and len(listed) == 1
    assert listed[0]["externalUserId"] == "student-1"
    assert base64.b64decode(listed[0]["content"]) == PDF + b"% rescanned\n"


def test_a_fault_answers_503_and_writes_nothing(base: str, api: httpx.Client, clock: Clock) -> None:
    test_id = _active_test(api, clock)
    httpx.put(f"{base}/_sim/faults", json={"error_rate": 1}).raise_for_status()
    assert _incident(api, test_id, 10).status_code == 503
    assert _attach(api, test_id, PDF).status_code == 503
    httpx.put(f"{base}/_sim/faults", json={}).raise_for_status()
    assert api.get(f"test/{test_id}/candidates/attachments").json() == []
    assert _incident(api, test_id, 0).json()["incidentTimeMins"] == 0
