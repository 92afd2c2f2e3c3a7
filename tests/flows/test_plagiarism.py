"""Plagiarism checks: the artifact's text, polling the similarity stand-in with mocked time, and
`check_similarity` on an examined occasion of the flow world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from flows.exam_day import exam_day
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from integrations.similarity import SimilarityClient
from models.domain import SimilarityReport
from models.params import OccasionStep, PlanExam, SyncRegistrations
from rules.similarity import Flag, candidate_texts
from simulators.server import serve_in_thread
from simulators.similarity import create_app
from store import registrations, similarity
from store.db import transaction
from store.schema import Occasion
from store.schema import SimilarityReport as ReportRow
from tasks import platform_results
from tasks.plagiarism import SimilarityTimeout, await_reports, check_similarity, flag_section
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving, past_window

ESSAY = "The algorithm runs in linear time because each element is visited exactly once in the loop."


def test_flag_section_lists_codes_and_says_no_automatic_penalty() -> None:
    section = flag_section([Flag(code="TDA-0007-XYZ", percent=91.5)], 40)
    assert "Flagged for the examiner: 1 above 40 % similarity." in section
    assert "| TDA-0007-XYZ | 91.5 % |" in section
    assert "No automatic penalty" in section
    empty = flag_section([], 40)
    assert "Flagged for the examiner: none above 40 % similarity." in empty and "|" not in empty
    assert "No automatic penalty" in empty


class Clock:
    """One clock for the stand-in and the poller, moved by the poller's sleep instead of waiting."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> Iterator[SimilarityClient]:
    with serve_in_thread(create_app(tmp_path / "similarity.db", check_ms=2500, clock=clock)) as url:
        with SimilarityClient(url) as client:
            yield client


def test_await_reports_polls_until_every_report_is_done(service: SimilarityClient, clock: Clock) -> None:
    pending = {code: service.submit(reference=f"occ:{code}", text=ESSAY) for code in ("A", "B")}
    done = await_reports(service, pending, interval=1.0, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [1.0, 1.0, 1.0]  # done at the poll 2.5 s after submission
    assert done == {
        code: SimilarityReport(document_id=d, status="done", percent=100.0) for code, d in pending.items()
    }


def test_await_reports_gives_up_with_a_clear_error(service: SimilarityClient, clock: Clock) -> None:
    document = service.submit(reference="occ:A", text=ESSAY)

    def stalled_sleep(seconds: float) -> None:  # the poller's time passes, the service's does not
        clock.sleeps.append(seconds)

    ticks = iter(range(100))
    with pytest.raises(
        SimilarityTimeout,
        match=rf"1 of 1 similarity reports still pending after 3 s \(documents {document}\)",
    ):
        await_reports(
            service, {"A": document}, timeout=3, interval=1, sleep=stalled_sleep, clock=lambda: next(ticks)
        )
    assert clock.sleeps == [1, 1]


# --- check_similarity on an examined occasion of the flow world ---------------------------------------


@pytest.fixture(scope="module")
def service_url(world: World) -> Iterator[str]:
    """A similarity stand-in of this module's own, so its faults can be switched without touching others'."""
    with serve_in_thread(create_app(world.home / "similarity-of-this-module.db", check_ms=300)) as url:
        with examflow_environment({"EXAMFLOW_SIMILARITY_URL": f"{url}/"}):
            yield url


def _status(uid: str) -> str | None:
    with transaction() as session:
        row = session.get(Occasion, uid)
        return None if row is None else row.status


@pytest.fixture(scope="module")
def occasion(world: World) -> str:
    """The largest of the world's shared occasions but the first, examined: the
    phases not yet run on it by another test module are run here."""
    sizes = {
        uid: len(httpx.get(f"{world.ladok_url}/_sim/registrations", params={"occasion": uid}).json())
        for uid in world.occasions[1:]
    }
    uid = max(sizes, key=lambda u: sizes[u])
    status = _status(uid)
    if status is None:
        times = world.reschedule(uid, *past_window(hours_ago=8))  # past any extra time
        with approving(world.outbox, "staff-coordinator-1"):
            plan_exam(PlanExam(occasion_uid=uid, times=times, code_prefix="PLG", country="SE"))
    if status in (None, "planned"):
        registration_sync(SyncRegistrations(occasion_uids=[uid]))
    if status in (None, "planned", "active"):
        exam_day(OccasionStep(occasion_uid=uid))
    return uid


@pytest.fixture(scope="module")
def checked(service_url: str, occasion: str) -> list[Flag]:
    return check_similarity.fn(occasion, 0.0)


def _stored(occasion: str) -> tuple[dict[int, SimilarityReport], dict[int, str]]:
    with transaction() as session:
        reports = similarity.load(session, occasion_id=occasion)
        codes = {r.id: r.anonymisation_code for r in registrations.registered(session, occasion_id=occasion)}
    return reports, codes


def test_every_attended_candidate_with_text_gets_a_stored_done_report(
    checked: list[Flag], occasion: str
) -> None:
    results, held = platform_results.registered_results(occasion)
    with_text = candidate_texts(results, held)
    reports, _ = _stored(occasion)
    assert with_text and set(reports) == set(with_text)
    assert not {held[r.external_user_id] for r in results if not r.attended} & set(reports)
    assert all(
        r.status == "done" and r.percent is not None and 0 <= r.percent <= 100 for r in reports.values()
    )


def test_flags_follow_the_threshold_and_carry_codes_only(checked: list[Flag], occasion: str) -> None:
    reports, codes = _stored(occasion)
    assert checked and {f.code for f in checked} == {
        codes[rid] for rid, r in reports.items() if r.percent > 0
    }
    assert {f.code for f in checked} <= set(codes.values())
    assert [f.percent for f in checked] == sorted((f.percent for f in checked), reverse=True)


def test_a_rerun_resubmits_nothing_and_asks_nothing_of_a_service_that_is_down(
    checked: list[Flag], service_url: str, occasion: str
) -> None:
    httpx.put(f"{service_url}/_sim/faults", json={"error_rate": 1}).raise_for_status()
    try:
        assert check_similarity.fn(occasion, 0.0) == checked
        assert check_similarity.fn(occasion, 100.0) == []
        middle = sorted(f.percent for f in checked)[len(checked) // 2]
        assert check_similarity.fn(occasion, middle) == [f for f in checked if f.percent > middle]
        assert httpx.get(f"{service_url}/_sim/faults").json()["injected"] == {}  # not one request
    finally:
        httpx.put(f"{service_url}/_sim/faults", json={}).raise_for_status()


def test_a_stored_pending_report_is_polled_back_to_done(checked: list[Flag], occasion: str) -> None:
    before, _ = _stored(occasion)
    some = next(iter(before))
    with transaction() as session:
        session.execute(
            update(ReportRow).where(ReportRow.registration_id == some).values(status="pending", percent=None)
        )
    assert check_similarity.fn(occasion, 0.0) == checked
    after, _ = _stored(occasion)
    assert after == before


def test_a_threshold_outside_0_to_100_is_refused(service_url: str, occasion: str) -> None:
    with pytest.raises(ValueError, match="threshold must be a percent between 0 and 100, got 150"):
        check_similarity.fn(occasion, 150.0)
