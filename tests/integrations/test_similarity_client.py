"""SimilarityClient against the similarity stand-in over real HTTP; only faults, sleeping and the
stand-in's clock are injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.protocols import SimilarityService
from integrations.similarity import SimilarityClient
from models.domain import SimilarityReport
from simulators.server import serve_in_thread
from simulators.similarity import create_app

ESSAY = (
    "The algorithm runs in linear time because each element is visited exactly once, and the "
    "invariant stated in the first step holds after every iteration of the main loop."
)
OTHER = "Measurement error could explain the deviation from the expected result in the second series."


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def served(tmp_path: Path, clock: Clock) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "similarity.db", check_ms=1000, clock=clock)) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(served: str, sleeps: list[float]) -> Iterator[SimilarityClient]:
    with SimilarityClient(served, retry=RetryPolicy(attempts=6, sleep=sleeps.append)) as similarity:
        yield similarity


def set_faults(url: str, **settings: float) -> None:
    httpx.put(f"{url}/_sim/faults", json=settings).raise_for_status()


def injected(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/_sim/faults").json()["injected"]  # type: ignore[no-any-return]


def test_meets_the_protocol_pending_then_done(client: SimilarityClient, clock: Clock) -> None:
    service: SimilarityService = client
    first = service.submit(reference="occ-1:A", text=ESSAY)
    copy = service.submit(reference="occ-1:B", text=ESSAY)
    distinct = service.submit(reference="occ-1:C", text=OTHER)
    assert service.report(first) == SimilarityReport(document_id=first, status="pending", percent=None)
    clock.now += 1
    assert service.report(first) == SimilarityReport(document_id=first, status="done", percent=100.0)
    assert service.report(copy).percent == 100.0
    assert service.report(distinct).percent == 0.0


def test_the_same_reference_gives_the_same_id_and_another_text_is_refused(
    client: SimilarityClient, sleeps: list[float]
) -> None:
    first = client.submit(reference="occ-1:A", text=ESSAY)
    assert client.submit(reference="occ-1:A", text=ESSAY) == first
    with pytest.raises(ApiError) as refused:
        client.submit(reference="occ-1:A", text=OTHER)
    assert refused.value.status == 409
    assert sleeps == []


def test_unknown_document_is_an_api_error_not_retried(client: SimilarityClient, sleeps: list[float]) -> None:
    with pytest.raises(ApiError) as refused:
        client.report("no-such-document")
    assert refused.value.status == 404
    assert not isinstance(refused.value, Unavailable)
    assert sleeps == []


def test_retries_503_and_every_document_lands_once(
    served: str, client: SimilarityClient, sleeps: list[float], clock: Clock
) -> None:
    set_faults(served, error_rate=0.5, seed=3)
    ids = [
        client.submit(reference=f"occ-1:{i}", text=f"{OTHER} Candidate {i} adds a line.") for i in range(8)
    ]
    clock.now += 1
    reports = [client.report(d) for d in ids]
    assert injected(served)["error"] > 0
    assert len(sleeps) == injected(served)["error"]
    set_faults(served)
    assert len(set(ids)) == 8
    assert [
        client.submit(reference=f"occ-1:{i}", text=f"{OTHER} Candidate {i} adds a line.") for i in range(8)
    ] == ids
    assert all(r.status == "done" and r.percent is not None and r.percent > 50 for r in reports)


def test_honours_retry_after_on_429(served: str, client: SimilarityClient, sleeps: list[float]) -> None:
    set_faults(served, throttle_rate=0.5, retry_after_seconds=0.25, seed=11)
    documents = {client.submit(reference=f"occ-1:{i}", text=ESSAY) for i in range(6)}
    throttled = injected(served)["throttle"]
    assert throttled > 0
    assert sleeps == [0.25] * throttled
    assert len(documents) == 6


def test_gives_up_as_unavailable_when_the_service_stays_down(served: str, sleeps: list[float]) -> None:
    set_faults(served, error_rate=1)
    with SimilarityClient(served, retry=RetryPolicy(attempts=3, sleep=sleeps.append)) as similarity:
        with pytest.raises(Unavailable, match="gave up after 3 tries: 503"):
            similarity.submit(reference="occ-1:A", text=ESSAY)
    assert len(sleeps) == 2
    set_faults(served)
    created = httpx.post(f"{served}/api/v1/documents", json={"reference": "occ-1:A", "text": ESSAY})
    assert created.status_code == 201  # the refused tries left nothing behind
