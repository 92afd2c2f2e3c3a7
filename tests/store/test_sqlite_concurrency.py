"""SQLite as examflow runs it: WAL, a busy timeout, and writers that queue instead of losing updates."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, transaction
from store.schema import CourseRound

WORKERS = 2
INCREMENTS = 50


def pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_the_file_is_in_wal_mode_with_a_busy_timeout_and_foreign_keys(sqlite_engine: Engine) -> None:
    assert str(pragma(sqlite_engine, "journal_mode")).lower() == "wal"
    assert pragma(sqlite_engine, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
    assert pragma(sqlite_engine, "foreign_keys") == 1


def increment(engine: Engine, times: int) -> None:
    """Read, pause (so the other worker gets every chance to interleave), write back."""
    for _ in range(times):
        with transaction(engine) as session:
            counter = session.get_one(CourseRound, "counter")
            seen = counter.scale_id
            time.sleep(0.001)
            counter.scale_id = seen + 1


def run_workers(engines: list[Engine]) -> list[Exception]:
    errors: list[Exception] = []
    start = threading.Barrier(len(engines))

    def work(engine: Engine) -> None:
        start.wait()
        try:
            increment(engine, INCREMENTS)
        except Exception as error:  # reported by the test, which sees no exception otherwise
            errors.append(error)

    threads = [threading.Thread(target=work, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def shared_engine(engine: Engine) -> list[Engine]:
    return [engine] * WORKERS


def one_engine_per_worker(engine: Engine) -> list[Engine]:
    """Like separate worker processes: separate pools, separate connections to the same file."""
    return [make_engine(engine.url.render_as_string()) for _ in range(WORKERS)]


@pytest.mark.parametrize("engines_for", [shared_engine, one_engine_per_worker])
def test_concurrent_read_modify_write_never_loses_an_update(
    sqlite_engine: Engine, engines_for: Callable[[Engine], list[Engine]]
) -> None:
    with transaction(sqlite_engine) as session:
        session.add(CourseRound(uid="counter", code="COUNTER", scale_id=0))
    engines = engines_for(sqlite_engine)
    try:
        errors = run_workers(engines)
    finally:
        for engine in set(engines) - {sqlite_engine}:
            engine.dispose()
    assert errors == []
    with transaction(sqlite_engine) as session:
        assert session.get_one(CourseRound, "counter").scale_id == WORKERS * INCREMENTS
