"""Shared test fixtures. Each helper keeps its fixtures in its own headed section."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

# Prefect reads its settings at import: keep the tests' Prefect home out of the user's home.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="examflow-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest  # noqa: E402
from sqlalchemy import Engine, create_engine, make_url, text

from models.settings import get_settings  # noqa: E402
from store.db import engine_for, make_engine
from store.migrate import empty_all_tables, upgrade

# ---------------------------------------------------------------------------------------------------
# Order: the longest modules first. `make test` hands modules to its workers in collection order
# (pytest-xdist's --dist loadfile --no-loadscope-reorder), so the served demo and the fault tests
# that kill processes start at once instead of being the suite's tail.
# ---------------------------------------------------------------------------------------------------

LONGEST_FIRST = (
    "tests/e2e/test_demo.py",
    "tests/e2e/test_scaleout.py",  # a Prefect server, the stand-ins and four workers over the run
    "tests/transfer/test_transfer_faults.py",
    "tests/sync/test_sync_faults.py",
    "tests/flows/",
    "tests/e2e/",  # the browser test keeps most of a core busy: not beside the demo's start
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=rank)  # stable: a module's tests stay together and in their order


# ---------------------------------------------------------------------------------------------------
# Database: one migrated database per backend per session, emptied before each test.
#
# `engine` runs a test on SQLite and on PostgreSQL; `sqlite_engine` on SQLite only. PostgreSQL is the
# server named by EXAMFLOW_TEST_POSTGRES_URL (its `public` schema is DROPPED and rebuilt: point it at a
# throwaway database, e.g. the one scripts/postgres-up prints). Without that variable the PostgreSQL
# runs are skipped, except under CI, where they fail: CI must never pass without PostgreSQL.
# ---------------------------------------------------------------------------------------------------

POSTGRES_URL_ENV = "EXAMFLOW_TEST_POSTGRES_URL"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def migrated_sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "examflow.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def worker_database(url: str) -> str:
    """The database of this test process: the one named by `url`, or under pytest-xdist a database
    of the worker's own on the same server (made on first use), so that workers never share tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def postgres_url_or_skip(what: str) -> str:
    """The throwaway PostgreSQL server's URL; without one the test is skipped, under CI failed."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        reason = f"{POSTGRES_URL_ENV} is not set (start one with scripts/postgres-up)"
        if running_in_ci():
            pytest.fail(f"CI must {what}, but {reason}", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def migrated_postgres_engine() -> Iterator[Engine]:
    url = postgres_url_or_skip("test PostgreSQL")
    engine = make_engine(worker_database(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated database with empty tables, once on SQLite and once on PostgreSQL."""
    fixture = "migrated_sqlite_engine" if request.param == "sqlite" else "migrated_postgres_engine"
    migrated: Engine = request.getfixturevalue(fixture)
    empty_all_tables(migrated)
    return migrated


@pytest.fixture
def sqlite_engine(migrated_sqlite_engine: Engine) -> Engine:
    """A migrated SQLite file database (WAL, BEGIN IMMEDIATE) with empty tables."""
    empty_all_tables(migrated_sqlite_engine)
    return migrated_sqlite_engine


# --- end of the database section -------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------
# Settings: point examflow (settings and engine caches) at a test's stand-ins and store.
# ---------------------------------------------------------------------------------------------------


@contextmanager
def examflow_environment(env: dict[str, str]) -> Iterator[None]:
    """Points examflow's settings and engine at `env` for the block; restores them after."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    engine_for.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        engine_for.cache_clear()
