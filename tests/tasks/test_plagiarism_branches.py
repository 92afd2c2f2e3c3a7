"""The similarity check's branches, fast: an exam played on the fake platform, its text answers
checked by the fake similarity service (reports done at the first poll), the task's function on a
SQLite store. Every attended candidate with text gets a stored report, the flags carry codes only;
a rerun submits nothing again and asks nothing of a service that is down; a stored pending report
is polled back to done; a service down at the first run fails it with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from integrations.http import Unavailable
from models.domain import Country, SimilarityReport
from store import registrations, similarity
from store.db import transaction
from store.schema import SimilarityReport as ReportRow
from tasks import platform_results
from tasks.plagiarism import candidate_texts, check_similarity
from tests.fakes import FakeSystems
from tests.fakes.worlds import planned_exam


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    """The term's largest occasion planned, synced and played; reports are done when first asked for."""
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    planned_exam(fakes, uid, prefix="PLG", country=Country.NO)
    fakes.inspera.play(platform_results.platform_test_id(uid), seed=3)
    fakes.urkund.check_seconds = 0
    return uid


def stored(occasion: str) -> tuple[dict[int, SimilarityReport], dict[int, str]]:
    with transaction() as session:
        reports = similarity.load(session, occasion_id=occasion)
        codes = {r.id: r.anonymisation_code for r in registrations.registered(session, occasion_id=occasion)}
    return reports, codes


def test_every_attended_candidate_with_text_gets_a_report_and_the_flags_carry_codes(
    fakes: FakeSystems, occasion: str
) -> None:
    flags = check_similarity.fn(occasion, 0.0)
    results, held = platform_results.registered_results(occasion)
    reports, codes = stored(occasion)
    assert reports and set(reports) == set(candidate_texts(results, held))
    assert all(r.status == "done" and r.percent is not None for r in reports.values())
    assert {f.code for f in flags} == {codes[rid] for rid, r in reports.items() if r.percent}
    assert [f.percent for f in flags] == sorted((f.percent for f in flags), reverse=True)


def test_a_rerun_submits_nothing_and_asks_nothing_of_a_service_that_is_down(
    fakes: FakeSystems, occasion: str
) -> None:
    flags = check_similarity.fn(occasion, 0.0)
    fakes.unavailable("similarity", calls=1)
    assert check_similarity.fn(occasion, 0.0) == flags
    assert check_similarity.fn(occasion, 100.0) == []
    assert fakes.outages.remaining == {"similarity": 1}  # never asked


def test_a_stored_pending_report_is_polled_back_to_done(fakes: FakeSystems, occasion: str) -> None:
    flags = check_similarity.fn(occasion, 0.0)
    before, _ = stored(occasion)
    some = next(iter(before))
    with transaction() as session:
        session.execute(
            update(ReportRow).where(ReportRow.registration_id == some).values(status="pending", percent=None)
        )
    assert check_similarity.fn(occasion, 0.0) == flags
    assert stored(occasion)[0] == before


def test_a_service_down_at_the_first_run_fails_it_with_nothing_stored(
    fakes: FakeSystems, occasion: str
) -> None:
    fakes.unavailable("similarity", calls=1)
    with pytest.raises(Unavailable, match="similarity"):
        check_similarity.fn(occasion, 0.0)
    assert stored(occasion)[0] == {}


def test_a_threshold_outside_0_to_100_is_refused(fakes: FakeSystems, occasion: str) -> None:
    with pytest.raises(ValueError, match="threshold must be a percent between 0 and 100, got 150"):
        check_similarity.fn(occasion, 150.0)
