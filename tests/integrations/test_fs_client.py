"""FsClient against the FS stand-in over real HTTP; only faults and sleeping are injected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from integrations.fs import FsClient
from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.protocols import RequestRegister
from models.domain import RegisterRequest, RequestKind
from simulators.fs import create_app
from simulators.server import serve_in_thread

USER, PASSWORD = "api-user", "s3cret"
UNIT = "occ-fs-1"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users={USER: PASSWORD})) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_of(url: str, sleeps: list[float], password: str = PASSWORD, attempts: int = 6) -> FsClient:
    retry = RetryPolicy(attempts=attempts, sleep=sleeps.append)
    return FsClient(f"{url}/", user=USER, password=password, retry=retry, page_size=2)


@pytest.fixture
def client(served: str, sleeps: list[float]) -> Iterator[FsClient]:
    with client_of(served, sleeps) as fs:
        yield fs


def seed(url: str, begrunnelser: int, klager: int) -> dict[str, list[str]]:
    body = {
        "begrunnelser": [
            {"kandidatnummer": f"FS-{i:04d}-ABC", "mottattDato": "2026-03-04"} for i in range(begrunnelser)
        ],
        "klager": [
            {"kandidatnummer": f"FS-{i:04d}-ABC", "mottattDato": "2026-03-10", "begrunnelseForespurt": i == 0}
            for i in range(klager)
        ],
    }
    response = httpx.post(f"{url}/_sim/vurderingsenheter/{UNIT}/requests", json=body)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def set_faults(url: str, **settings: float) -> None:
    httpx.put(f"{url}/_sim/faults", json=settings).raise_for_status()


def injected(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/_sim/faults").json()["injected"]  # type: ignore[no-any-return]


def test_meets_the_protocol_and_follows_every_page_of_both_kinds(served: str, client: FsClient) -> None:
    ids = seed(served, begrunnelser=3, klager=5)  # pages of two: 2 + 3 pages
    register: RequestRegister = client
    found = register.requests(UNIT)
    assert [r.request_id for r in found] == ids["begrunnelser"] + ids["klager"]
    assert found[0] == RegisterRequest(
        request_id=ids["begrunnelser"][0],
        kind=RequestKind.JUSTIFICATION,
        candidate="FS-0000-ABC",
        received_on=date(2026, 3, 4),
    )
    appeals = [r for r in found if r.kind is RequestKind.APPEAL]
    assert [r.justification_asked for r in appeals] == [True, False, False, False, False]
    assert {r.received_on for r in appeals} == {date(2026, 3, 10)}


def test_a_unit_without_requests_gives_none(served: str, client: FsClient) -> None:
    seed(served, begrunnelser=0, klager=0)
    assert client.requests(UNIT) == []


def test_graphql_errors_are_a_clear_api_error_not_retried(client: FsClient, sleeps: list[float]) -> None:
    with pytest.raises(
        ApiError, match=r"fs: 200: UgyldigId: fant ingen vurderingsenhet .* \(at vurderingsenhet\)"
    ):
        client.requests("no-such-unit")
    assert sleeps == []


def test_wrong_credentials_are_refused_at_once(served: str, sleeps: list[float]) -> None:
    seed(served, begrunnelser=1, klager=0)
    with client_of(served, sleeps, password="wrong") as fs, pytest.raises(ApiError) as refused:
        fs.requests(UNIT)
    assert refused.value.status == 401
    assert not isinstance(refused.value, Unavailable)
    assert "IkkeAutentisert" in str(refused.value)
    assert sleeps == []


def test_retries_503_and_reads_every_request_once(served: str, client: FsClient, sleeps: list[float]) -> None:
    ids = seed(served, begrunnelser=4, klager=4)
    set_faults(served, error_rate=0.5, seed=3)
    found = client.requests(UNIT)
    assert injected(served)["error"] > 0
    assert len(sleeps) == injected(served)["error"]
    assert [r.request_id for r in found] == ids["begrunnelser"] + ids["klager"]


def test_honours_retry_after_on_429(served: str, client: FsClient, sleeps: list[float]) -> None:
    ids = seed(served, begrunnelser=3, klager=0)
    set_faults(served, throttle_rate=0.5, retry_after_seconds=0.25, seed=2)
    found = client.requests(UNIT)
    throttled = injected(served)["throttle"]
    assert throttled > 0
    assert sleeps == [0.25] * throttled
    assert [r.request_id for r in found] == ids["begrunnelser"]


def test_gives_up_as_unavailable_when_fs_stays_down(served: str, sleeps: list[float]) -> None:
    set_faults(served, error_rate=1)
    with (
        client_of(served, sleeps, attempts=3) as fs,
        pytest.raises(Unavailable, match="gave up after 3 tries: 503"),
    ):
        fs.requests(UNIT)
    assert len(sleeps) == 2


def test_a_hang_past_the_timeout_is_retried(served: str, sleeps: list[float]) -> None:
    ids = seed(served, begrunnelser=1, klager=0)
    set_faults(served, timeout_rate=1, hang_seconds=1)
    retry = RetryPolicy(attempts=2, sleep=sleeps.append)
    with FsClient(f"{served}/", user=USER, password=PASSWORD, retry=retry, timeout=0.2) as fs:
        with pytest.raises(Unavailable, match="ReadTimeout"):
            fs.requests(UNIT)
        set_faults(served)
        assert [r.request_id for r in fs.requests(UNIT)] == ids["begrunnelser"]
    assert len(sleeps) == 1
