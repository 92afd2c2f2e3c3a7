"""Fast tests of the tasks' branches: the tasks' functions called directly on in-process fakes of
the outside systems (tests/fakes) and a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from deployments.staff import seed_staff
from store.db import transaction
from tasks.systems import installed
from tests.conftest import examflow_environment
from tests.fakes import FakeSystems
from tests.fakes.worlds import SMALL_TERM


@pytest.fixture
def fakes(sqlite_engine: Engine, tmp_path: Path) -> Iterator[FakeSystems]:
    """A small term in the fake register, installed for every task; examflow's store a SQLite
    holding only the sample staff."""
    systems = FakeSystems.with_term(SMALL_TERM)
    env = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_DATABASE_URL": sqlite_engine.url.render_as_string(hide_password=False),
    }
    with examflow_environment(env), installed(systems):
        with transaction() as session:
            seed_staff(session)
        yield systems
