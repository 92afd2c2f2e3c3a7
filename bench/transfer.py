"""The result transfer, bounded-concurrent against sequential, from one run.

`python -m bench.transfer [--results 2000 --latency-ms 20 --writers N --sequential-sample N]`

The Ladok stand-in runs in its own process on loopback with one occasion of `--results`
registrations, every one with an approved grade in a fresh SQLite store (planned, synced and graded
in bulk: setup, untimed). The timed call is exactly the task body `transfer_results.fn(occasion)`
with `tasks.transfer.WRITERS` writers, `--latency-ms` added to every register call. The sequential
run is the same code with `tasks.transfer.WRITERS = 1`, into a fresh register state (the term
loaded again: same uids, no results) and a fresh store. With `--sequential-sample` it writes only
that many results (`only=`) and is scaled up to the full count, which its output says.

Both runs are checked against the approved grades: duplicates are results written more than once
(a version above 1, or more than one confirmed ledger row for a registration); missing are
approved grades the register does not hold exactly (grade, examination date).
The last line reads `vs_sequential=<ratio> duplicates=<n> missing=<n>`.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pandas as pd
from sqlalchemy import select

from bench.common import point_examflow_at, run_and_print, stand_in, timed
from integrations.ladok import LadokClient
from models.domain import ExamWindow
from models.ladok_codes import GRADES, SCALE_A_F
from rules.grades import LADOK_SCALES
from simulators.term import TermSpec
from store import grading, occasions, registrations
from store.db import engine_for, make_engine, transaction
from store.migrate import upgrade
from store.schema import TransferLedgerEntry
from tasks import transfer
from tasks.registration import sync_from_register

PREFIX = "TRF"
A_F_LETTERS = tuple(GRADES[SCALE_A_F])


def term_spec(results: int, seed: int = 7, course_rounds: int = 1) -> TermSpec:
    """One occasion holding every student of the pool: `results` registrations."""
    return TermSpec(
        seed=seed,
        occasions=1,
        course_rounds=course_rounds,
        students=results,
        prefix=PREFIX,
        extra_time_share=0,
    )


def load_term(ladok_url: str, spec: TermSpec) -> str:
    """Loads the term into the stand-in (wiping its state); the occasion's uid."""
    answer = httpx.post(f"{ladok_url}/_sim/term", json=spec.model_dump(), timeout=120)
    answer.raise_for_status()
    return str(answer.json()["occasions"][0])


def set_faults(ladok_url: str, **settings: Any) -> None:
    httpx.put(f"{ladok_url}/_sim/faults", json=settings, timeout=10).raise_for_status()


def fresh_store(url: str) -> None:
    """Migrates the store at `url` (a new SQLite file)."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def plan(ladok_url: str, occasion_uid: str) -> int:
    """Records the occasion as plan-exam does (from the register's own data); its grade scale."""
    with LadokClient(f"{ladok_url}/") as client:
        occasion = client.get_occasion(occasion_uid)
        rounds = [client.get_course_round(uid) for uid in occasion.course_round_uids]
    modules = [m for r in rounds for m in r.modules if m.uid in occasion.module_uids]
    scale_id = modules[0].scale_id
    if scale_id != SCALE_A_F:
        raise ValueError(
            f"the term's occasion {occasion_uid} is graded on {scale_id}, not A-F: pick another seed"
        )
    with transaction() as session:
        occasions.save_plan(
            session,
            occasion=occasion,
            window=_window(occasion.start_date),
            course_rounds=rounds,
            country="SE",
            exam_type="written",
            scale=LADOK_SCALES[scale_id],
            register_scale_id=scale_id,
            credits=modules[0].credits,
            code_prefix=PREFIX,
        )
    return scale_id


def _window(day: date) -> ExamWindow:
    """09:00-13:00 in Stockholm on the occasion's day, as a plan would give it."""
    starts = datetime.combine(day, time(9, 0), ZoneInfo("Europe/Stockholm")).astimezone(UTC)
    return ExamWindow(starts_at=starts, ends_at=starts + timedelta(hours=4), duration_minutes=240)


def grade_everyone(occasion_uid: str, seed: int) -> int:
    """Attendance 'submitted' and an approved A-F grade with points for every registration, in bulk."""
    rng = random.Random(seed)
    with transaction() as session:
        regs = registrations.registered(session, occasion_id=occasion_uid)
        row = occasions.get(session, occasion_uid)
        starts, ends = row.starts_at, row.ends_at
        exam_date = starts.astimezone(UTC).date()
        ids = [r.id for r in regs]
        attendance = pd.DataFrame(
            {
                "registration_id": ids,
                "occasion_id": occasion_uid,
                "status": "submitted",
                "started_at": starts,
                "ended_at": ends,
                "extra_time_minutes": 0,
            }
        )
        points = [round(rng.uniform(0, 60) * 2) / 2 for _ in ids]
        grades = pd.DataFrame(
            {
                "registration_id": ids,
                "occasion_id": occasion_uid,
                "points": points,
                "percent": [p / 60 * 100 for p in points],
                "grade": [_letter(p) for p in points],
                "status": "approved",
                "exam_date": exam_date,
            }
        )
        grading.save_attendance(session, attendance)
        grading.save_grades(session, grades)
    return len(ids)


def _letter(points: float) -> str:
    limits = ((54, "A"), (48, "B"), (42, "C"), (36, "D"), (30, "E"), (27, "FX"))
    return next((letter for floor, letter in limits if points >= floor), "F")


def prepare_exam(ladok_url: str, spec: TermSpec) -> str:
    """An exam ready for transfer without the earlier flows: the term in the register, the occasion
    planned, its registrations synced, everyone submitted and graded (approved). Examflow must already
    point at the stand-in and a migrated store. Returns the occasion's uid."""
    occasion_uid = load_term(ladok_url, spec)
    plan(ladok_url, occasion_uid)
    sync_from_register.fn([occasion_uid])
    grade_everyone(occasion_uid, spec.seed)
    return occasion_uid


@dataclass
class Check:
    """How the register and the ledger compare with the approved grades."""

    expected: int
    held: int
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ledger: dict[str, int] = field(default_factory=dict)
    versions: Counter[int] = field(default_factory=Counter)


def approved(occasion_uid: str, only: list[int] | None = None) -> pd.DataFrame:
    """The approved grades (of registrations `only`)."""
    with transaction() as session:
        frame = grading.grade_frame(session, occasion_id=occasion_uid)
    frame = frame[frame.grade_status == "approved"]
    if only is not None:
        frame = frame[frame.registration_id.isin(only)]
    return frame


def check(
    ladok_url: str, occasion_uid: str, versions: dict[str, int] | None = None, only: list[int] | None = None
) -> Check:
    """Compares the register and the ledger with the approved grades (of registrations `only`).
    `versions` is the number of writes each study result should have had, which is its draft's
    version (1 unless given: a result created once); more versions, or more confirmed ledger rows
    for its registration, are duplicates."""
    set_faults(ladok_url)  # read back without the injected faults
    expected = approved(occasion_uid, only)
    results = httpx.get(f"{ladok_url}/_sim/results", params={"occasion": occasion_uid}, timeout=60).json()
    drafts = [r for r in results if not r["attested"]]
    found = Check(expected=len(expected), held=len(drafts), versions=Counter(r["version"] for r in drafts))
    held = {r["study_result_uid"]: r for r in drafts}
    with transaction() as session:
        rows = session.execute(
            select(TransferLedgerEntry.registration_id, TransferLedgerEntry.status).where(
                TransferLedgerEntry.occasion_id == occasion_uid
            )
        ).all()
    found.ledger = dict(Counter(status for _, status in rows))
    confirmed = Counter(reg for reg, status in rows if status == "confirmed")
    for row in expected.itertuples(index=False):
        r = held.get(row.study_result_uid)
        writes = (versions or {}).get(row.study_result_uid, 1)
        if r is None or (r["grade_code"], r["exam_date"][:10]) != (row.grade, row.exam_date.isoformat()):
            found.missing.append(row.anonymisation_code)
        elif r["version"] > writes or confirmed[row.registration_id] > writes:
            found.duplicates.append(row.anonymisation_code)
    return found


@dataclass
class Run:
    label: str
    writers: int
    written: int
    seconds: float
    check: Check
    results: int
    scaled_from: int | None = None

    @property
    def full_seconds(self) -> float:
        """The time for every result: measured, or scaled from the sample."""
        if self.scaled_from is None:
            return self.seconds
        return self.seconds * self.results / max(1, self.written)


def timed_transfer(
    ladok_url: str, directory: Path, spec: TermSpec, latency_ms: float, writers: int, sample: int | None
) -> Run:
    """A fresh store and register state, prepared untimed; then the timed transfer."""
    label = "bounded-concurrent" if writers > 1 else "sequential"
    url = f"sqlite:///{directory / f'{label}.db'}"
    fresh_store(url)
    point_examflow_at(url, directory / "home", ladok_url)
    set_faults(ladok_url)
    occasion_uid = prepare_exam(ladok_url, spec)
    only = None
    if sample:
        with transaction() as session:
            ids = [r.id for r in registrations.registered(session, occasion_id=occasion_uid)]
        only = random.Random(spec.seed).sample(ids, min(sample, len(ids)))
    set_faults(ladok_url, latency_ms=latency_ms)
    saved, transfer.WRITERS = transfer.WRITERS, writers
    try:
        seconds, outcome = timed(lambda: transfer.transfer_results.fn(occasion_uid, only=only))
    finally:
        transfer.WRITERS = saved
    found = check(ladok_url, occasion_uid, only=only)
    engine_for.cache_clear()
    total = spec.total_registrations
    return Run(label, writers, outcome.written, seconds, found, total, len(only) if only else None)


def run(args: argparse.Namespace, directory: Path) -> list[Run]:
    spec = term_spec(args.results, args.seed)
    with stand_in(directory / "ladok.db") as ladok_url:
        concurrent = timed_transfer(ladok_url, directory, spec, args.latency_ms, args.writers, None)
        sequential = timed_transfer(ladok_url, directory, spec, args.latency_ms, 1, args.sequential_sample)
    return [concurrent, sequential]


def report(runs: list[Run], latency_ms: float) -> str:
    concurrent, sequential = runs
    duplicates = sum(len(r.check.duplicates) for r in runs)
    missing = sum(len(r.check.missing) for r in runs)
    lines = [
        f"{concurrent.results:,} approved results, {latency_ms:g} ms added to every register call",
        f"{'run':<22}{'writers':>8}{'written':>9}{'seconds':>10}{'per result':>14}"
        f"{'duplicates':>12}{'missing':>9}  ledger",
    ]
    for r in runs:
        per = r.full_seconds / max(1, r.results) * 1000
        lines.append(
            f"{r.label:<22}{r.writers:>8}{r.written:>9,}{r.full_seconds:>10.2f}{per:>11.2f} ms"
            f"{len(r.check.duplicates):>12}{len(r.check.missing):>9}  {r.check.ledger}"
        )
    if sequential.scaled_from is not None:
        lines.append(
            f"(sequential: {sequential.scaled_from:,} results timed, {sequential.seconds:.2f} s, "
            f"scaled to {sequential.results:,})"
        )
    ratio = sequential.full_seconds / concurrent.full_seconds
    lines.append(f"vs_sequential={ratio:.1f} duplicates={duplicates} missing={missing}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument(
        "--writers", type=int, default=transfer.WRITERS, help="default tasks.transfer.WRITERS"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sequential-sample",
        type=int,
        default=0,
        help="time the sequential run on this many, scaled (0: all)",
    )
    args = parser.parse_args(argv)
    run_and_print(args, "bench-transfer-", run, lambda runs: report(runs, args.latency_ms))


if __name__ == "__main__":
    main()
