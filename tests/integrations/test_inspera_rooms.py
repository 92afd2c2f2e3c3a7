"""A candidate's building and room (Inspera's `building` and `room` on a candidate) sent by the
client, kept by the stand-in over real HTTP and read back; the same in the fake platform; and parsed
from the contract's candidate list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.inspera import InsperaClient
from integrations.inspera_answers import parse_candidates
from integrations.protocols import ExamPlatform
from models.domain import PlatformCandidate
from simulators.inspera import create_app
from simulators.server import serve_in_thread
from tests.contracts import payload
from tests.fakes.base import Outages
from tests.fakes.platform import FakeInspera

KEY = "rooms-test-key"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[InsperaClient]:
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY)) as url:
        with InsperaClient(f"{url}/api/", api_key=KEY, tenant="uni") as c:
            yield c


def _seated_then_moved(platform: ExamPlatform) -> list[list[tuple[str, str, str]]]:
    test = platform.upsert_test(
        external_test_id="ROOMS-1",
        title="Algebra",
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        duration_minutes=240,
    )
    seated = PlatformCandidate(
        external_user_id="uid-1", candidate_code="EX-0001", building="Main", room="Q21"
    )
    seen = []
    for candidate in (
        seated,
        seated.model_copy(update={"room": "Q22"}),
        seated.model_copy(update={"building": "", "room": ""}),
    ):
        platform.add_candidates(test.test_id, [candidate])
        seen.append(
            [(c.external_user_id, c.building, c.room) for c in platform.list_candidates(test.test_id)]
        )
    return seen


def test_the_client_sends_a_room_the_stand_in_keeps_and_a_candidate_sent_without_one_has_none(
    client: InsperaClient,
) -> None:
    assert _seated_then_moved(client) == [
        [("uid-1", "Main", "Q21")],
        [("uid-1", "Main", "Q22")],
        [("uid-1", "", "")],
    ]


def test_the_fake_platform_keeps_rooms_as_the_stand_in_does(client: InsperaClient) -> None:
    assert _seated_then_moved(FakeInspera(Outages())) == _seated_then_moved(client)


def test_the_candidate_list_gives_each_candidate_their_building_and_room() -> None:
    listed = parse_candidates(payload("inspera", "candidates"), "412", "FEIDE")
    assert [(c.building, c.room) for c in listed[:3]] == [("", ""), ("Gløshaugen", "R7"), ("", "")]
