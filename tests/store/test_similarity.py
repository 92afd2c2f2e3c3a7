"""Similarity reports in the store, on SQLite and PostgreSQL: saved, updated in place, loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from models.domain import SimilarityReport
from store import similarity
from store.db import transaction
from store.schema import Registration
from store.schema import SimilarityReport as ReportRow
from tests.store.test_schema import a_registration, a_student, an_occasion

T0 = datetime(2026, 1, 20, 9, tzinfo=UTC)


def _registrations(engine: Engine) -> list[int]:
    with transaction(engine) as session:
        session.add_all([an_occasion("occ-1"), an_occasion("occ-2"), a_student("s1"), a_student("s2")])
        session.flush()
        session.add_all(
            [
                a_registration("s1", "LA-0001-ABC"),
                a_registration("s2", "LA-0002-DEF"),
                a_registration("s1", "LA-0001-XYZ", occasion_id="occ-2"),
            ]
        )
        session.flush()
        return list(session.scalars(select(Registration.id).order_by(Registration.id)))


def test_saved_reports_load_back_per_occasion_and_update_in_place(engine: Engine) -> None:
    first, second, elsewhere = _registrations(engine)
    pending = SimilarityReport(document_id="d1", status="pending")
    done = SimilarityReport(document_id="d2", status="done", percent=87.5)
    with transaction(engine) as session:
        assert (
            similarity.save(
                session, occasion_id="occ-1", reports={first: pending, second: done}, checked_at=T0
            )
            == 2
        )
        similarity.save(
            session,
            occasion_id="occ-2",
            reports={elsewhere: SimilarityReport(document_id="d3", status="pending")},
            checked_at=T0,
        )
    with transaction(engine) as session:
        assert similarity.load(session, occasion_id="occ-1") == {first: pending, second: done}
    checked = SimilarityReport(document_id="d1", status="done", percent=12.0)
    later = T0 + timedelta(minutes=3)
    with transaction(engine) as session:
        similarity.save(session, occasion_id="occ-1", reports={first: checked}, checked_at=later)
    with transaction(engine) as session:
        assert similarity.load(session, occasion_id="occ-1") == {first: checked, second: done}
        assert session.get(ReportRow, first).checked_at == later
        assert session.scalar(select(func.count()).select_from(ReportRow)) == 3


def test_saving_nothing_writes_nothing(engine: Engine) -> None:
    with transaction(engine) as session:
        assert similarity.save(session, occasion_id="occ-1", reports={}, checked_at=T0) == 0
        assert similarity.load(session, occasion_id="occ-1") == {}
