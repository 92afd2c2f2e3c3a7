"""Transfer fault tests: the Ladok stand-in over real HTTP on loopback (in a thread), a migrated store
(a fresh SQLite file, or the emptied PostgreSQL test database), examflow pointed at both through its
environment, and an exam made ready for transfer in bulk, without running the earlier flows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from bench.transfer import prepare_exam, term_spec
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from store.db import make_engine
from store.migrate import empty_all_tables, upgrade
from tests.conftest import examflow_environment


@dataclass
class TransferWorld:
    home: Path
    ladok_url: str
    database_url: str

    def faults(self, **settings: object) -> None:
        httpx.put(f"{self.ladok_url}/_sim/faults", json=settings, timeout=10).raise_for_status()

    def injected(self) -> dict[str, int]:
        return dict(httpx.get(f"{self.ladok_url}/_sim/faults", timeout=10).json()["injected"])

    def results(self, occasion_uid: str) -> list[dict[str, object]]:
        answer = httpx.get(f"{self.ladok_url}/_sim/results", params={"occasion": occasion_uid}, timeout=30)
        answer.raise_for_status()
        return list(answer.json())


def _store(request: pytest.FixtureRequest, home: Path) -> Engine:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{home / 'examflow.db'}")
        upgrade(engine)
        return engine
    engine = request.getfixturevalue("migrated_postgres_engine")
    empty_all_tables(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransferWorld]:
    """A fresh stand-in and store per test, once on SQLite and once on PostgreSQL."""
    engine = _store(request, tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    with serve_in_thread(ladok_sim.create_app(tmp_path / "ladok.db")) as ladok_url:
        env = {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_DATABASE_URL": url,
            "EXAMFLOW_LADOK_URL": f"{ladok_url}/",
        }
        with examflow_environment(env):
            yield TransferWorld(tmp_path, ladok_url, url)
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def ready_exam() -> Callable[[TransferWorld, int], str]:
    """Makes an exam of `n` registrations ready for transfer in `world`: the term loaded into the
    register (one occasion), the occasion planned from the register's data, its registrations synced,
    every candidate 'submitted' with an approved A-F grade, points and examination date. Returns the
    occasion's uid."""

    def make(world: TransferWorld, n: int, seed: int = 7) -> str:
        world.faults()
        return prepare_exam(world.ladok_url, term_spec(n, seed))

    return make
