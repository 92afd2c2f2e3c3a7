"""What the benchmarks share: the Ladok stand-in as its own process, examflow pointed at a store,
an occasion row for bulk setup, a timer, and the run-then-print entry point."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from models.domain import Country
from models.settings import get_settings
from rules.grades import Scale
from simulators.server import free_port
from store.db import engine_for

T = TypeVar("T")


@contextmanager
def stand_in(state: Path) -> Iterator[str]:
    """The Ladok stand-in as its own process; yields its base URL once it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "simulators.ladok", "--port", str(port), "--state", str(state)]
    process = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/_sim/faults", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Ladok stand-in did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def point_examflow_at(database_url: str, home: Path, ladok_url: str | None = None) -> None:
    """Points examflow's settings and cached engine at a store (and at a Ladok stand-in, if given)."""
    env = {"EXAMFLOW_DATABASE_URL": database_url, "EXAMFLOW_HOME": str(home)}
    if ladok_url:
        env["EXAMFLOW_LADOK_URL"] = f"{ladok_url}/"
    os.environ.update(env)
    get_settings.cache_clear()
    engine_for.cache_clear()


def occasion_row(
    uid: str, name: str, *, prefix: str, exam_type: str, status: str, now: datetime
) -> dict[str, Any]:
    """A Swedish A-F occasion of 7.5 credits as a row for `store.upsert.upsert` (setup, untimed)."""
    return dict(
        id=uid,
        name=name,
        country=Country.SE.value,
        exam_type=exam_type,
        starts_at=now,
        ends_at=now,
        duration_minutes=240,
        scale=Scale.AF.value,
        register_scale_id=2,
        credits=7.5,
        code_prefix=prefix,
        status=status,
        updated_at=now,
    )


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """The seconds `action` took, and what it returned."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run_and_print(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[argparse.Namespace, Path], T],
    report: Callable[[T], str],
) -> None:
    """Runs the bench in a temporary directory (removed afterwards), then prints its report."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        figures = run(args, Path(directory))
    print(report(figures), flush=True)
