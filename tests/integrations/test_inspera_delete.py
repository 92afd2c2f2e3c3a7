"""Deleting a test's candidates and the test itself, over HTTP against the platform's stand-in
(the deletion is modelled: tests/contracts/inspera/README.md): a candidate goes with their answers
and results, a running test is refused, a test deleted answers 404 and a second deletion is a no-op,
a person who is a candidate on another test stays there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from integrations.http import ApiError, RetryPolicy
from integrations.inspera import InsperaClient
from simulators.inspera import create_app
from simulators.server import serve_in_thread
from tests.integrations.test_inspera_client import END, KEY, START, Clock, Sleeps, _people


@pytest.fixture
def clock() -> Clock:
    return Clock(START - timedelta(hours=1))


@pytest.fixture
def base(tmp_path: Path, clock: Clock) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)) as url:
        yield url


@pytest.fixture
def client(base: str) -> Iterator[InsperaClient]:
    with InsperaClient(
        f"{base}/api/", api_key=KEY, tenant="uni", retry=RetryPolicy(attempts=2, sleep=Sleeps())
    ) as c:
        yield c


def a_test(client: InsperaClient, external_id: str, people: int) -> str:
    test = client.upsert_test(
        external_test_id=external_id, title="Algebra", starts_at=START, ends_at=END, duration_minutes=240
    )
    client.add_candidates(test.test_id, _people(people))
    return test.test_id


def test_a_played_tests_candidates_and_then_the_test_are_deleted(
    client: InsperaClient, base: str, clock: Clock
) -> None:
    test_id = a_test(client, "EXAM-1", 3)
    other = a_test(client, "EXAM-2", 1)  # uid-0 sits this one too
    client.set_status(test_id, "ACTIVE")
    httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 1, "absent_rate": 0}).raise_for_status()
    with pytest.raises(ApiError, match="ACTIVE: a running test cannot be deleted") as refused:
        client.delete_test(test_id)
    assert refused.value.status == 409
    clock.now = (END + timedelta(minutes=5)).timestamp()
    client.set_status(test_id, "FINISHED")

    assert client.delete_candidates(test_id, ["uid-0", "uid-1", "uid-9"]) == 2
    held = httpx.get(f"{base}/_sim/test/{test_id}").json()
    assert [c["externalUserIds"][0]["externalUserId"] for c in held["candidates"]] == ["uid-2"]
    assert len(held["results"]) == 1

    assert client.delete_test(test_id) is True
    assert httpx.get(f"{base}/_sim/test/{test_id}").status_code == 404
    with pytest.raises(ApiError) as gone:
        client.get_test(test_id)
    assert gone.value.status == 404
    assert client.delete_test(test_id) is False
    assert client.delete_candidates(test_id, ["uid-2"]) == 0
    assert [c.external_user_id for c in client.list_candidates(other)] == ["uid-0"]
