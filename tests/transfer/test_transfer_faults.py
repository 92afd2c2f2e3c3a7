"""The result transfer under faults: transient errors and stale-version conflicts, SIGKILL at random
points and a resume, and two transfers of one exam started together. The register is the Ladok
stand-in over real HTTP; only time (retry sleeps, the lease's length) and faults are mocked."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from bench.transfer import approved, check
from integrations.http import RetryPolicy, Unavailable
from integrations.ladok import LadokClient
from integrations.protocols import StudentRegister
from integrations.systems import HttpSystems
from models.domain import Country
from models.settings import get_settings
from models.transfer import TransferOutcome
from store import grading
from store.db import transaction
from store.schema import Lock, TransferLedgerEntry
from tasks import transfer
from tasks.systems import installed
from tasks.transfer import TransferBusy, transfer_results
from tests.transfer.conftest import TransferWorld

REPO = Path(__file__).resolve().parents[2]
PROGRESS = re.compile(r"transfer of \S+: (\d+) of (\d+) written")
ReadyExam = Callable[..., str]


@dataclass(frozen=True)
class NoSleepSystems(HttpSystems):
    """The systems the settings give, the register's client retrying `attempts` times without sleeping."""

    attempts: int = 4

    def register(self, *, country: Country = Country.SE, writers: int | None = None) -> StudentRegister:
        return LadokClient(
            self.settings.ladok_url,
            retry=RetryPolicy(attempts=self.attempts, sleep=lambda _: None),
            max_connections=max(16, writers or 0),
        )


def _run_to_completion(occasion: str, limit: int = 12) -> tuple[TransferOutcome, list[str]]:
    """Calls the transfer until a call fails nothing; each call after a failure is the rerun."""
    failures: list[str] = []
    for _ in range(limit):
        try:
            outcome = transfer_results.fn(occasion)
        except Unavailable as exc:
            failures.append(f"unavailable: {exc}")
            continue
        if not outcome.failed:
            return outcome, failures
        failures.append(f"failed: {outcome.failed}")
    raise AssertionError(f"no complete transfer in {limit} calls: {failures}")


def _ledger_rows(occasion: str) -> int:
    with transaction() as session:
        query = select(func.count()).where(TransferLedgerEntry.occasion_id == occasion)
        return int(session.scalar(query) or 0)


def _correct(occasion: str, registration_ids: list[int]) -> None:
    """A correction after a first transfer: another grade (and points) for these registrations."""
    frame = approved(occasion, registration_ids)
    other = {"A": "B", "B": "C", "C": "D", "D": "E", "E": "A", "FX": "E", "F": "E"}
    corrected = pd.DataFrame(
        {
            "registration_id": frame.registration_id,
            "occasion_id": occasion,
            "points": frame.points + 0.5,
            "percent": None,
            "grade": frame.grade.map(other),
            "status": "approved",
            "exam_date": frame.exam_date,
        }
    )
    with transaction() as session:
        grading.save_grades(session, corrected)


@pytest.fixture
def no_sleep_systems() -> Iterator[None]:
    with installed(NoSleepSystems(get_settings(), attempts=4)):
        yield


def test_transient_errors_and_conflicts_converge_to_the_approved_grades_written_once(
    world: TransferWorld, ready_exam: ReadyExam, no_sleep_systems: None
) -> None:
    occasion = ready_exam(world, 300)
    ids = sorted(approved(occasion).registration_id)
    corrected = random.Random(3).sample(ids, 150)
    first = transfer_results.fn(occasion, only=corrected)  # drafts already there: these become updates
    assert first.written == 150 and not first.failed
    _correct(occasion, corrected)

    world.faults(error_rate=0.3, conflict_rate=0.05, seed=42)
    outcome, failures = _run_to_completion(occasion)
    injected = world.injected()

    assert injected.get("error", 0) > 50 and injected.get("conflict", 0) >= 1, injected
    frame = approved(occasion)
    updated = set(frame[frame.registration_id.isin(corrected)].study_result_uid)
    found = check(world.ladok_url, occasion, versions=dict.fromkeys(updated, 2))
    assert (found.expected, found.held) == (300, 300)
    assert found.missing == [] and found.duplicates == [], (found, failures)
    assert found.versions == {1: 150, 2: 150}
    assert set(found.ledger) <= {"confirmed", "stale"} and found.ledger["confirmed"] == 450, found.ledger
    again = transfer_results.fn(occasion)
    assert again.written == 0 and again.unchanged == 300 and outcome.ledger.get("pending", 0) == 0


def _wait_for_lease(occasion: str, deadline: float) -> None:
    """A killed worker leaves its lease; it blocks a rerun until it expires (LEASE, shortened here)."""
    while True:
        with transaction() as session:
            lock = session.get(Lock, f"transfer:{occasion}")
            expires = None if lock is None else lock.expires_at.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        if expires is None or expires < now:
            return
        assert time.monotonic() < deadline, "the killed transfer's lease never expired"
        time.sleep(min(0.1, (expires - now).total_seconds() + 0.01))


def _worker(world: TransferWorld, occasion: str) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "tests.transfer.transfer_worker",
        occasion,
        "--ladok-url",
        f"{world.ladok_url}/",
        "--database-url",
        world.database_url,
        "--home",
        str(world.home),
        "--lease-seconds",
        "0.5",
    ]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_at(process: subprocess.Popen[str], total: int, target: int, jitter: float) -> list[str]:
    """Reads the worker's progress until the register holds about `target` of `total` results, waits
    `jitter` seconds more and kills it with SIGKILL; the lines it printed."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip())
        match = PROGRESS.search(line)
        if match and total - int(match.group(2)) + int(match.group(1)) >= target:
            break
    time.sleep(jitter)
    assert process.poll() is None, f"the transfer finished before it was killed: {lines[-3:]}"
    process.kill()
    process.wait(timeout=10)
    return lines


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_sigkill_at_eight_random_points_then_resume_writes_each_result_once(
    world: TransferWorld, ready_exam: ReadyExam
) -> None:
    n = 2000
    occasion = ready_exam(world, n)
    world.faults(latency_ms=8)
    # Points in the first 90 %: 16 writers finish 8 ms calls faster than a kill after up to 50 ms
    # of jitter lands, so a point near the end would be killed after the last write. Eight points
    # show what twenty did: with 16 writes in flight, every kill leaves results confirmed, results
    # sent and not confirmed and results not yet sent, all in the ledger; more points only start
    # more workers, each paying Prefect's import.
    rng = random.Random(20)
    deadline = time.monotonic() + 240
    held_after_kill, pending_after_kill = [], []
    for target in sorted(rng.sample(range(n - n // 10), 8)):
        _kill_at(_worker(world, occasion), n, target, rng.uniform(0, 0.05))
        held_after_kill.append(len(world.results(occasion)))
        with transaction() as session:
            pending_after_kill.append(
                int(
                    session.scalar(
                        select(func.count()).where(
                            TransferLedgerEntry.occasion_id == occasion,
                            TransferLedgerEntry.status == "pending",
                        )
                    )
                    or 0
                )
            )
        _wait_for_lease(occasion, deadline)

    assert held_after_kill == sorted(held_after_kill) and 0 < held_after_kill[-1] < n, held_after_kill
    assert sum(pending_after_kill) > 0, "no kill landed between a ledger row and its confirmation"
    final = _worker(world, occasion)
    out, _ = final.communicate(timeout=120)
    assert final.returncode == 0, out
    outcome = TransferOutcome.model_validate_json(out.strip().splitlines()[-1])
    assert outcome.written == n - held_after_kill[-1] and not outcome.failed

    found = check(world.ladok_url, occasion)
    assert (found.expected, found.held) == (n, n)
    assert found.missing == [] and found.duplicates == []
    assert found.versions == {1: n}, "a result was written twice"
    assert found.ledger == {"confirmed": n}, found.ledger


@pytest.mark.parametrize(
    "world",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
    indirect=True,
)
def test_two_transfers_of_one_exam_at_once_one_proceeds_the_other_is_refused(
    world: TransferWorld, ready_exam: ReadyExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion = ready_exam(world, 200)
    world.faults(latency_ms=2)
    start = threading.Barrier(2)
    scale = transfer._scale

    def in_step(occasion_id: str) -> int:
        """The transfer's first step, after which both threads go for the lease at the same instant."""
        found = scale(occasion_id)
        start.wait(timeout=30)
        return found

    monkeypatch.setattr(transfer, "_scale", in_step)
    outcomes: list[TransferOutcome] = []
    refusals: list[Exception] = []

    def run() -> None:
        try:
            outcomes.append(transfer_results.fn(occasion))
        except Exception as exc:  # the test reads which one it was
            refusals.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    monkeypatch.undo()

    assert len(outcomes) == 1 and len(refusals) == 1, (outcomes, refusals)
    assert isinstance(refusals[0], TransferBusy), repr(refusals[0])
    assert f"another transfer of {occasion} is running" in str(refusals[0])
    assert outcomes[0].written == 200
    rows = _ledger_rows(occasion)
    rerun = transfer_results.fn(occasion)
    assert (rerun.written, rerun.unchanged) == (0, 200)
    assert _ledger_rows(occasion) == rows == 200
    found = check(world.ladok_url, occasion)
    assert found.missing == [] and found.duplicates == [] and found.versions == {1: 200}
