"""The first migration against the models, on SQLite and on PostgreSQL: tables, types, constraints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from store import audit, driver
from store.db import transaction
from store.migrate import alembic_config, upgrade
from store.schema import Approval, AuditEvent, Base, Occasion, Registration, Student
from tests.factories import T0, a_registration, a_student, an_occasion


def an_approval(key: str) -> Approval:
    return Approval(key=key, occasion_id="occ-1", kind="grades", role="examiner", created_at=T0)


def count(engine: Engine, model: type[Base]) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def head_revision(engine: Engine) -> str | None:
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_the_migration_creates_every_table_and_stamps_head(engine: Engine) -> None:
    inspector = inspect(engine)
    assert set(Base.metadata.tables) <= set(inspector.get_table_names())
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys()), name
    assert current_revision(engine) == head_revision(engine) is not None


def test_the_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_twice_is_a_no_op_and_keeps_the_data(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(an_occasion())
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert count(engine, Occasion) == 1


def test_aware_datetimes_come_back_as_aware_utc(engine: Engine) -> None:
    stockholm = datetime(2026, 6, 1, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))  # 07:30 UTC in summer
    with transaction(engine) as session:
        session.add(an_occasion(starts_at=stockholm))
    with transaction(engine) as session:
        starts_at = session.get_one(Occasion, "occ-1").starts_at
    assert starts_at == stockholm
    assert starts_at.tzinfo is UTC
    assert (starts_at.hour, starts_at.minute) == (7, 30)


def test_a_naive_datetime_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        with transaction(engine) as session:
            session.add(an_occasion(starts_at=datetime(2026, 1, 15, 8, 0)))
    assert count(engine, Occasion) == 0


def duplicate_registration(session: Any) -> None:
    session.add_all([a_registration("s-1", "LA-001"), a_registration("s-1", "LA-002")])


def duplicate_code(session: Any) -> None:
    session.add_all([a_registration("s-1", "LA-001"), a_registration("s-2", "LA-001")])


def duplicate_approval_key(session: Any) -> None:
    session.add_all([an_approval("occ-1/grades"), an_approval("occ-1/grades")])


@pytest.mark.parametrize("add_twice", [duplicate_registration, duplicate_code, duplicate_approval_key])
def test_unique_constraints_refuse_a_second_row(engine: Engine, add_twice: Callable[[Any], None]) -> None:
    with transaction(engine) as session:
        session.add_all([an_occasion(), a_student("s-1"), a_student("s-2")])
    with pytest.raises(IntegrityError):
        with transaction(engine) as session:
            add_twice(session)
    assert count(engine, Registration) == count(engine, Approval) == 0


def test_the_same_code_on_another_occasion_is_allowed(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add_all([an_occasion("occ-1"), an_occasion("occ-2"), a_student("s-1")])
        session.flush()
        session.add_all([a_registration("s-1", "LA-001", "occ-1"), a_registration("s-1", "LA-001", "occ-2")])
    assert count(engine, Registration) == 2


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        with transaction(engine) as session:
            session.add(a_registration("no-such-student", "LA-001", occasion_id="no-such-occasion"))
    assert count(engine, Registration) == 0


def test_audit_detail_round_trips_as_json(engine: Engine) -> None:
    detail = {
        "grades": {"A": 3, "F": 1},
        "changed": ["s-1", "s-2"],
        "note": "Återkallad – ny bedömning",
        "ratio": 0.25,
        "final": True,
        "comment": None,
    }
    with transaction(engine) as session:
        audit.record(session, actor="examiner-1", action="grades.approved", occasion_id=None, detail=detail)
    with transaction(engine) as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.detail == detail
    assert event.at.tzinfo is UTC


def test_audit_events_recorded_in_bulk_read_back_as_one_at_a_time(engine: Engine) -> None:
    """`record_many` hands the driver JSON text of its own; numpy numbers from frames are numbers."""
    details = [
        {"note": "Återkallad – ny bedömning", "points": [np.float64(12.5), 14.0], "n": np.int64(3)},
        {"final": True, "comment": None},
    ]
    with transaction(engine) as session:
        audit.record_many(
            session, actor="examiner-1", action="grade.rescored", occasion_id=None, details=details
        )
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.detail for e in events] == [
        {"note": "Återkallad – ny bedömning", "points": [12.5, 14.0], "n": 3},
        {"final": True, "comment": None},
    ]
    assert {e.actor for e in events} == {"examiner-1"}
    assert events[0].at == events[1].at


# The hash chain's columns of an event written past store.audit (only this test's time matters).
UNCHAINED = {"seq": 1, "prev_hash": "", "detail_digest": "", "hash": ""}


def test_a_time_bound_for_the_driver_is_stored_as_the_orm_stores_it(engine: Engine) -> None:
    """`driver.bound` gives the value SQLAlchemy itself sends (SQLite: the naive UTC text), so a row
    written through the driver holds the same bytes as one written through the ORM."""
    at = datetime(2026, 3, 1, 10, 30, 15, 250000, tzinfo=ZoneInfo("Europe/Stockholm"))
    with transaction(engine) as session:
        session.add(AuditEvent(at=at, actor="orm", action="a", detail={}, **UNCHAINED))
        stored = driver.bound(session, AuditEvent.__table__.c.at, at)
        driver.execute(
            session,
            "INSERT INTO audit_log (at, actor, action, detail, seq, prev_hash, detail_digest, hash) "
            "VALUES (?, 'driver', 'a', '{}', 2, '', '', '')",
            (stored,),
        )
    if engine.dialect.name == "sqlite":
        assert stored == "2026-03-01 09:30:15.250000"
    with engine.connect() as connection:
        raw = dict(connection.exec_driver_sql("SELECT actor, at FROM audit_log").all())
    assert raw["orm"] == raw["driver"]
    with transaction(engine) as session:
        assert {e.at for e in session.scalars(select(AuditEvent))} == {at}


def test_a_transaction_commits_on_success(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(a_student("s-1"))
    assert count(engine, Student) == 1


def test_a_transaction_that_raises_writes_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="half-way"):
        with transaction(engine) as session:
            session.add_all([an_occasion(), a_student("s-1")])
            session.flush()  # the rows reach the database, inside the transaction
            raise RuntimeError("failed half-way")
    assert count(engine, Occasion) == count(engine, Student) == 0
