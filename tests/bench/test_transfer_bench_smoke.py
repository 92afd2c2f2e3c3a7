"""The transfer benchmark at a tiny size, as `python -m bench.transfer` runs it: its own stand-in
process, real stores, both runs checked against the approved grades, and the documented last line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"^vs_sequential=(\d+\.\d) duplicates=(\d+) missing=(\d+)$")


def test_tiny_transfer_bench_writes_every_result_once_and_ends_with_the_ratio_line() -> None:
    args = ["--results", "40", "--latency-ms", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.transfer", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert match.group(2, 3) == ("0", "0"), done.stdout
    rows = [line.split() for line in lines if line.startswith(("bounded-concurrent", "sequential"))]
    assert [(r[0], r[2]) for r in rows] == [("bounded-concurrent", "40"), ("sequential", "40")], done.stdout
    assert all("{'confirmed': 40}" in line for line in lines[2:4]), done.stdout
