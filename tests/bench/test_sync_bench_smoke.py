"""The sync benchmark at a tiny size, run as `make bench` runs it: its own stand-in process, a
real store, a last line in the documented form, and a store holding exactly the register's term,
with the extra time of the decisions on support held in the store."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bench.sync import term_spec
from simulators.term import generate_term
from store.db import make_engine
from store.schema import Registration

REPO = Path(__file__).resolve().parents[2]
RATIOS_LINE = re.compile(r"^vs_bulk=\d+\.\d{2} vs_per_registration=\d+\.\d$")
FLOOR_LINE = re.compile(r"^vs_floor=\d+\.\d{2}$")


def test_tiny_bench_prints_ratios_and_stores_exactly_the_register(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = ["--registrations", "300", "--occasions", "10", "--sample", "20", "--database-url", url]
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert RATIOS_LINE.match(lines[-2]), lines[-2]
    assert FLOOR_LINE.match(lines[-1]), lines[-1]
    assert "no-change run changed 0" in done.stdout

    term = generate_term(term_spec(300, 10))
    day = {o.uid: o.day for o in term.occasions}
    extra: dict[tuple[str, date], int] = {}  # the store's decisions: by student and exam day
    for a in term.accommodations:
        key = (a.student_uid, day[a.occasion_uid])
        extra[key] = max(extra.get(key, 0), a.extra_time_minutes)
    expected = {
        (
            r.occasion_uid,
            r.student_uid,
            r.anonymisation_code,
            extra.get((r.student_uid, day[r.occasion_uid]), 0),
        )
        for r in term.registrations
    }
    assert any(minutes for *_, minutes in expected)
    engine = make_engine(url)
    with engine.connect() as connection:
        held = connection.execute(
            select(
                Registration.occasion_id,
                Registration.student_uid,
                Registration.anonymisation_code,
                Registration.extra_time_minutes,
            ).where(Registration.status == "registered")
        ).all()
    engine.dispose()
    assert len(held) == len(term.registrations) == 300
    assert set(map(tuple, held)) == expected
