"""The last lines of the Prefect benches, and the sync's floor, from given figures: the benches
themselves take minutes and run only under `make bench`."""

from __future__ import annotations

import pytest

from bench import overhead, scale, sync


def test_overhead_ends_with_the_ratio_and_both_task_counts() -> None:
    direct = dict.fromkeys(overhead.PHASES, 4.0)  # 24 s in all
    prefect = direct | {"plan-exam": 5.0, "grading": 10.0}  # 31 s, 7 s more
    figures = {
        "candidates": 1000,
        "count_at": 10000,
        "direct": direct,
        "prefect": prefect,
        "large": dict.fromkeys(overhead.PHASES, 15.0),
        "task_runs_small": 66,
        "task_runs_large": 66,
        "load": (2.0, 2.5, 3.0),
    }
    lines = overhead.report(figures).splitlines()
    assert lines[-1] == "vs_direct=1.29 task_runs_1k=66 task_runs_10k=66"
    assert lines[-3].split() == ["whole", "lifecycle", "24.00", "31.00", "+7.00", "90.00"]


def test_scale_ends_with_two_workers_against_one() -> None:
    figures = {"exams": 20, "candidates": 50, "workers_1_s": 400.0, "workers_2_s": 250.0}
    assert scale.report(figures).splitlines()[-1] == "vs_one_worker=0.62"


def test_sync_floor_is_calls_times_latency_over_concurrency_plus_the_bulk_upsert() -> None:
    assert sync.REGISTER_CONCURRENCY == 8
    assert sync.floor_s(6000, 40, 5.0) == pytest.approx(6000 * 0.040 / 8 + 5.0)
    figures = {
        "registrations": 100,
        "occasions": 3,
        "held": 100,
        "adds": 100,
        "second_adds": 0,
        "tasks": 1,
        "sync_s": 2.0,
        "again_s": 1.0,
        "bulk_s": 1.0,
        "sampled": 10,
        "sample_s": 1.0,
        "per_registration_s": 10.0,
        "latency_ms": 40,
        "latency_calls": 200,
        "latency_s": 2.6,
    }
    assert sync.report(figures).splitlines()[-1] == "vs_floor=1.30"
