"""The nightly registration sync killed mid-run: SIGKILL at random points of a first sync of a
term, then run to completion twice. It converges on what a clean sync gives (our store and the
platform's tests), and the second complete run changes nothing and writes nothing to the platform.
The register and the platform are the stand-ins over real HTTP on loopback; the sync runs in its
own process (tests/sync/sync_worker.py), the register slowed so that a kill lands mid-run."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from bench.sync import _plan
from simulators import inspera as inspera_sim
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from simulators.term import TermSpec, generate_term
from store import occasions, registrations
from store.db import make_engine, transaction
from store.migrate import empty_all_tables, upgrade
from store.schema import Occasion, Registration
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.sync.sync_worker import nightly

REPO = Path(__file__).resolve().parents[2]
BATCH = 3
TERM = TermSpec(seed=14, occasions=24, course_rounds=24, students=300, registrations=600, prefix="EXAM")
PROGRESS = re.compile(r"batch (\d+) of (\d+) (synced|pushed)")


@dataclass
class SyncWorld:
    home: Path
    database_url: str
    ladok_url: str
    stack: ExitStack

    def platform(self) -> str:
        """A fresh platform stand-in, examflow pointed at it until the test ends; its base URL."""
        app = inspera_sim.create_app(self.home / f"inspera-{time.monotonic_ns()}.db")
        url = self.stack.enter_context(serve_in_thread(app))
        self.stack.enter_context(examflow_environment({"EXAMFLOW_INSPERA_URL": f"{url}/api/"}))
        return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncWorld]:
    """The register stand-in holding the term, and a migrated store, once on each database."""
    if request.param == "sqlite":
        engine: Engine = make_engine(f"sqlite:///{tmp_path / 'examflow.db'}")
        upgrade(engine)
    else:
        engine = request.getfixturevalue("migrated_postgres_engine")
    url = engine.url.render_as_string(hide_password=False)
    with ExitStack() as stack:
        ladok_url = stack.enter_context(serve_in_thread(ladok_sim.create_app(tmp_path / "ladok.db")))
        httpx.post(f"{ladok_url}/_sim/term", json=TERM.model_dump(), timeout=60).raise_for_status()
        env = {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_DATABASE_URL": url,
            "EXAMFLOW_LADOK_URL": f"{ladok_url}/",
        }
        stack.enter_context(examflow_environment(env))
        yield SyncWorld(tmp_path, url, ladok_url, stack)
    if request.param == "sqlite":
        engine.dispose()


def _plan_term(engine_url: str) -> None:
    """An empty store with the term's occasions planned and a test for each on the platform."""
    engine = make_engine(engine_url)
    empty_all_tables(engine)
    term = generate_term(TERM)
    with transaction(engine) as session:
        _plan(session, term)
    engine.dispose()
    with systems().platform() as platform, transaction() as session:
        for o in term.occasions:
            row = occasions.get(session, o.uid)
            test = platform.upsert_test(
                external_test_id=o.uid,
                title=row.name,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                duration_minutes=row.duration_minutes,
            )
            occasions.set_status(session, occasion_id=o.uid, status="planned", platform_test_id=test.test_id)


def _held() -> pd.DataFrame:
    """Our store's registrations, in a fixed order."""
    with transaction() as session:
        ids = list(session.scalars(select(Occasion.id)))
        frame = registrations.frame(session, occasion_ids=ids)
    return frame.sort_values(["occasion_id", "student_uid"], ignore_index=True)


def _held_count() -> int:
    with transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Registration)) or 0)


def _on_platform() -> dict[str, list[tuple[str, str | None, int]]]:
    """Each occasion's candidates on its platform test: id, candidate code and extra time."""
    with transaction() as session:
        tests = dict(session.execute(select(Occasion.id, Occasion.platform_test_id)).tuples().all())
    with systems().platform() as platform:
        return {
            occasion: sorted(
                (c.external_user_id, c.candidate_code, c.extra_time_minutes)
                for c in platform.list_candidates(test_id)
            )
            for occasion, test_id in tests.items()
            if test_id is not None
        }


def _faults(url: str, **settings: object) -> dict[str, int]:
    """Sets a stand-in's faults (its request counts start again); the counts until then."""
    counted = dict(httpx.get(f"{url}/_sim/faults", timeout=10).json()["requests"])
    httpx.put(f"{url}/_sim/faults", json=settings, timeout=10).raise_for_status()
    return counted


def _worker(world: SyncWorld, inspera_url: str) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "tests.sync.sync_worker",
        "--ladok-url",
        f"{world.ladok_url}/",
        "--inspera-url",
        f"{inspera_url}/api/",
        "--database-url",
        world.database_url,
        "--home",
        str(world.home),
        "--batch",
        str(BATCH),
    ]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_at(process: subprocess.Popen[str], batch: int, stage: str, jitter: float) -> list[str]:
    """Reads the worker's progress to batch `batch` reaching `stage`, waits `jitter` seconds more
    and kills it with SIGKILL; the lines it printed."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip())
        match = PROGRESS.search(line)
        if (
            match
            and int(match.group(1)) >= batch
            and (int(match.group(1)) > batch or match.group(3) == stage)
        ):
            break
    time.sleep(jitter)
    assert process.poll() is None, f"the sync ended before it was killed: {lines[-3:]}"
    process.kill()
    process.wait(timeout=10)
    return lines


def _complete(world: SyncWorld, inspera_url: str) -> dict[str, int]:
    process = _worker(world, inspera_url)
    out, _ = process.communicate(timeout=180)
    assert process.returncode == 0, out[-3000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_a_sync_killed_at_random_points_converges_and_a_second_run_changes_nothing(world: SyncWorld) -> None:
    batches = -(-TERM.occasions // BATCH)
    total = TERM.total_registrations
    world.platform()
    _plan_term(world.database_url)
    clean_totals = nightly(BATCH)
    clean_store, clean_platform = _held(), _on_platform()
    assert clean_totals["adds"] == clean_totals["platform_added"] == len(clean_store) == total

    platform_url = world.platform()
    _plan_term(world.database_url)
    _faults(world.ladok_url, latency_ms=25)
    rng = random.Random(14)
    held_after_kill = []
    for batch in sorted(rng.sample(range(1, batches - 3), 3)):
        _kill_at(_worker(world, platform_url), batch, rng.choice(["synced", "pushed"]), rng.uniform(0, 0.08))
        held_after_kill.append(_held_count())
    assert held_after_kill == sorted(held_after_kill) and 0 < held_after_kill[-1] < total, held_after_kill

    completed = _complete(world, platform_url)
    assert completed["adds"] == total - held_after_kill[-1] and completed["removals"] == 0

    _faults(world.ladok_url)
    again = _complete(world, platform_url)
    assert set(again.values()) == {0}, json.dumps(again)
    assert set(_faults(world.ladok_url)) <= {
        "GET /resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{uid}",
        "PUT /resultat/studieresultat/rapportera/aktivitetstillfalle/{uid}/sok",
    }

    pd.testing.assert_frame_equal(_held(), clean_store)
    assert _on_platform() == clean_platform


def test_a_second_sync_writes_nothing_to_the_platform(world: SyncWorld) -> None:
    platform_url = world.platform()
    _plan_term(world.database_url)
    nightly(BATCH)
    _faults(platform_url)
    again = nightly(BATCH)
    platform_writes = {
        call: n
        for call, n in _faults(platform_url).items()
        if not call.startswith("GET") and "/authenticate/" not in call
    }
    assert (platform_writes, again["platform_extra_time_updated"]) == ({}, 0)
