"""The similarity stand-in over real HTTP: pending then done, 5-gram similarity, idempotent
references, refusals and a restart. The stand-in's clock is moved by the test instead of waiting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.server import serve_in_thread
from simulators.similarity import create_app, shingles

DOCUMENTS = "/api/v1/documents"
CHECK_MS = 1000.0
ESSAY = (
    "The algorithm runs in linear time because each element is visited exactly once, and the "
    "invariant stated in the first step holds after every iteration of the main loop."
)
OTHER = (
    "Measurement error could explain the deviation from the expected result, since the sensor "
    "drifted during the afternoon and nobody recalibrated it before the second series."
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float = CHECK_MS) -> None:
        self.now += ms / 1000


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http(tmp_path: Path, clock: Clock) -> Iterator[httpx.Client]:
    app = create_app(tmp_path / "similarity.db", check_ms=CHECK_MS, clock=clock)
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        yield client


def submit(http: httpx.Client, reference: str, text: str, **headers: str) -> httpx.Response:
    return http.post(DOCUMENTS, json={"reference": reference, "text": text}, headers=headers)


def document(http: httpx.Client, reference: str, text: str) -> str:
    response = submit(http, reference, text)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def report(http: httpx.Client, document_id: str) -> dict[str, Any]:
    response = http.get(f"{DOCUMENTS}/{document_id}/report")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_submit_answers_pending_then_the_report_is_done_once_checked(
    http: httpx.Client, clock: Clock
) -> None:
    response = submit(http, "occ-1:TDA-0001-ABC", ESSAY)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["reference"] == "occ-1:TDA-0001-ABC"
    pending = report(http, body["id"])
    assert (pending["status"], pending["similarity"]) == ("pending", None)
    clock.advance(CHECK_MS - 1)
    assert report(http, body["id"])["status"] == "pending"
    clock.advance(1)
    done = report(http, body["id"])
    assert done == {"id": body["id"], "reference": "occ-1:TDA-0001-ABC", "status": "done", "similarity": 0.0}


def test_same_text_scores_high_for_both_and_a_distinct_text_low(http: httpx.Client, clock: Clock) -> None:
    first = document(http, "occ-1:A", ESSAY)
    second = document(http, "occ-1:B", ESSAY.upper().replace(",", ";"))  # case and punctuation ignored
    distinct = document(http, "occ-1:C", OTHER)
    clock.advance()
    assert report(http, first)["similarity"] == 100.0
    assert report(http, second)["similarity"] == 100.0
    assert report(http, distinct)["similarity"] == 0.0


def test_a_half_copied_text_scores_the_share_of_its_shingles_found_elsewhere(
    http: httpx.Client, clock: Clock
) -> None:
    document(http, "occ-1:A", ESSAY)
    mixed = f"{ESSAY} {OTHER}"
    copied = document(http, "occ-1:B", mixed)
    clock.advance()
    expected = round(100 * len(shingles(ESSAY) & shingles(mixed)) / len(shingles(mixed)), 1)
    assert 30 < expected < 70
    assert report(http, copied)["similarity"] == expected


def test_only_documents_submitted_by_the_check_time_count_and_a_report_is_kept(
    http: httpx.Client, clock: Clock
) -> None:
    early = document(http, "occ-1:A", ESSAY)
    clock.advance(2 * CHECK_MS)
    late = document(http, "occ-1:B", ESSAY)  # after `early` was due to be checked
    clock.advance()
    assert report(http, early)["similarity"] == 0.0
    assert report(http, late)["similarity"] == 100.0
    document(http, "occ-1:C", OTHER)
    clock.advance()
    assert report(http, early)["similarity"] == 0.0


def test_the_same_reference_answers_the_same_document(http: httpx.Client, clock: Clock) -> None:
    first = submit(http, "occ-1:A", ESSAY)
    again = submit(http, "occ-1:A", ESSAY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    clock.advance()
    assert report(http, first.json()["id"])["similarity"] == 0.0  # not compared with itself
    assert submit(http, "occ-1:A", ESSAY).json()["status"] == "done"


def test_another_text_under_a_known_reference_is_refused_and_changes_nothing(
    http: httpx.Client, clock: Clock
) -> None:
    first = document(http, "occ-1:A", ESSAY)
    refused = submit(http, "occ-1:A", OTHER)
    assert refused.status_code == 409
    assert "occ-1:A" in refused.text and "another text" in refused.text
    probe = document(http, "occ-1:B", OTHER)
    clock.advance()
    assert report(http, probe)["similarity"] == 0.0  # the refused text was not kept
    assert report(http, first)["similarity"] == 0.0


def test_a_repeated_idempotency_key_replays_the_first_answer(http: httpx.Client) -> None:
    first = submit(http, "occ-1:A", ESSAY, **{"Idempotency-Key": "k-1"})
    replay = submit(http, "occ-1:A", ESSAY, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert replay.json() == first.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": "occ-1:A", "text": ""}, "text"),
        ({"reference": "occ-1:A", "text": "  \n\t "}, "text"),
        ({"reference": "occ-1:A"}, "text"),
        ({"reference": "", "text": ESSAY}, "reference"),
        ({"text": ESSAY}, "reference"),
        ({"reference": "occ-1:A", "text": ESSAY, "language": "en"}, "language"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = http.post(DOCUMENTS, json=body)
    assert response.status_code == 422
    assert field in str(response.json()["detail"][0]["loc"])
    assert submit(http, "occ-1:A", OTHER).status_code == 201  # nothing was stored under the reference


def test_unknown_document_is_404(http: httpx.Client) -> None:
    response = http.get(f"{DOCUMENTS}/no-such-document/report")
    assert response.status_code == 404
    assert "no-such-document" in response.text


def test_state_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "similarity.db"
    with serve_in_thread(create_app(path, check_ms=CHECK_MS, clock=clock)) as url:
        with httpx.Client(base_url=url) as http:
            first = document(http, "occ-1:A", ESSAY)
            clock.advance()
            assert report(http, first)["similarity"] == 0.0
            pending = document(http, "occ-1:B", ESSAY)
    with serve_in_thread(create_app(path, check_ms=CHECK_MS, clock=clock)) as url:
        with httpx.Client(base_url=url) as http:
            assert submit(http, "occ-1:A", ESSAY).json()["id"] == first
            assert report(http, first)["similarity"] == 0.0
            assert report(http, pending)["status"] == "pending"
            clock.advance()
            assert report(http, pending)["similarity"] == 100.0


def test_faults_are_played_on_the_api(http: httpx.Client) -> None:
    http.put("/_sim/faults", json={"error_rate": 1}).raise_for_status()
    assert submit(http, "occ-1:A", ESSAY).status_code == 503
    http.put("/_sim/faults", json={}).raise_for_status()
    assert submit(http, "occ-1:A", ESSAY).status_code == 201
