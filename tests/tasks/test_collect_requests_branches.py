"""The collection of FS's requests, its branches fast: FS faked in memory, the tasks' functions on
a SQLite store holding a graded, published exam (the one of tests/store/test_rescoring.py). A
Swedish occasion is not read from FS; an assessment unit FS does not know is reported, not raised;
FS down is raised, for the task's retries; each request is sorted against the store and the ones
to start recorded before any run starts (the starting itself is Prefect's, tested in the flow)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from integrations.http import Unavailable
from models.domain import Country
from rules.requests import Outcome
from store import justifications, register_requests
from store.db import default_engine, transaction
from store.schema import Occasion
from tasks.requests import read_register_requests, record_requests
from tests.fakes import FakeSystems
from tests.store.test_rescoring import seed

OCC = "fs-requests"
SWEDISH = "fs-requests-se"
PUBLISHED = date(2026, 3, 2)


def day(offset: int) -> date:
    return PUBLISHED + timedelta(days=offset)


@pytest.fixture
def requests(fakes: FakeSystems) -> Iterator[list[str]]:
    """X-0001 asks in time, X-0002 too late, X-0003 already asked through the coordinator's form,
    an unknown candidate number asks; X-0004 appeals twice. The requests' FS ids, in that order."""
    ids = seed(default_engine(), country=Country.NO, occasion_id=OCC)
    seed(default_engine(), country=Country.SE, occasion_id=SWEDISH)
    with transaction() as session:
        justifications.request(
            session, occasion_id=OCC, registration_id=ids["X-0003"], requested_on=PUBLISHED, due_on=day(14)
        )
    yield fakes.fs.seed(
        OCC,
        justifications=[("X-0001", day(2)), ("X-0002", day(12)), ("X-0003", day(3)), ("X-9999", day(3))],
        appeals=[("X-0004", day(10), False), ("X-0004", day(11), True)],
    )


def test_each_request_is_sorted_and_the_new_ones_recorded_before_any_start(
    fakes: FakeSystems, requests: list[str]
) -> None:
    read = read_register_requests.fn(OCC)
    assert [r.request_id for r in read.found] == requests
    sorted_requests = record_requests.fn(OCC, read.found)
    outcomes = [(s.request.candidate, s.outcome, s.detail) for s in sorted_requests]
    assert outcomes == [
        ("X-0001", Outcome.START, ""),
        ("X-0002", Outcome.START, ""),  # the justification flow refuses it by the law
        ("X-0003", Outcome.HELD, "a justification of X-0003 is already held"),
        ("X-9999", Outcome.REFUSED, f"candidate number X-9999 is not a candidate on {OCC}"),
        ("X-0004", Outcome.START, ""),
        ("X-0004", Outcome.HELD, "a appeal of X-0004 is already held"),
    ]
    with transaction() as session:
        recorded = register_requests.recorded(session, occasion_id=OCC)
    assert recorded == {requests[0]: None, requests[1]: None, requests[4]: None}


def test_a_request_once_started_is_held_and_one_whose_start_was_interrupted_is_started_again(
    fakes: FakeSystems, requests: list[str]
) -> None:
    first = record_requests.fn(OCC, read_register_requests.fn(OCC).found)
    with transaction() as session:  # as start-request-runs marks the runs it started, but the first
        for s in first[1:]:
            if s.outcome is Outcome.START:
                register_requests.mark_started(
                    session,
                    occasion_id=OCC,
                    request_id=s.request.request_id,
                    flow_run_id=f"run-{s.request.candidate}",
                )
    again = record_requests.fn(OCC, read_register_requests.fn(OCC).found)
    held, refused = Outcome.HELD, Outcome.REFUSED
    assert [s.outcome for s in again] == [Outcome.START, held, held, refused, held, held]
    assert again[1].detail == "started before: flow run run-X-0002"


def test_a_swedish_occasion_is_not_read_from_fs(fakes: FakeSystems, requests: list[str]) -> None:
    fakes.unavailable("fs", calls=1)
    read = read_register_requests.fn(SWEDISH)
    assert (read.country, read.found, read.unreadable) == (Country.SE, (), "")
    with pytest.raises(Unavailable):  # the outage was never reached: FS was not asked
        read_register_requests.fn(OCC)


def test_an_assessment_unit_fs_does_not_know_is_reported_not_raised(
    fakes: FakeSystems, requests: list[str]
) -> None:
    with transaction() as session:  # a Norwegian occasion FS has no assessment unit for
        occasion = session.get(Occasion, SWEDISH)
        assert occasion is not None
        occasion.country = Country.NO
    read = read_register_requests.fn(SWEDISH)
    assert read.found == () and read.unreadable.startswith(
        f"fs: 200: UgyldigId: fant ingen vurderingsenhet med id '{SWEDISH}'"
    )


def test_fs_down_is_raised_for_the_tasks_retries(fakes: FakeSystems, requests: list[str]) -> None:
    fakes.unavailable("fs", calls=1)
    with pytest.raises(Unavailable, match="fs"):
        read_register_requests.fn(OCC)
    assert len(read_register_requests.fn(OCC).found) == 6
