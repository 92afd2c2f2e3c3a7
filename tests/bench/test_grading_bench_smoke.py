"""The rescoring benchmark at a tiny size, as `python -m bench.grading` runs it: a real store, the
bulk and per-row runs giving the same grades, and the documented last line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"^seconds=\d+\.\d{3} vs_per_row=\d+\.\d$")


def test_tiny_grading_bench_matches_grades_and_ends_with_the_ratio_line() -> None:
    args = ["--candidates", "120", "--questions", "12", "--sample", "40", "--repeats", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.grading", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert "grades matched: 80 of 80 sampled candidates" in done.stdout  # 40 in each of 2 runs
    changed = re.search(r"(\d+) candidates' points changed", done.stdout)
    assert changed and int(changed.group(1)) > 0, done.stdout
    assert "scaled" in done.stdout and "median of 2 runs" in done.stdout
