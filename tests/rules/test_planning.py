from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.domain import ExamWindow, RegisterModule, RegisterOccasion
from rules.planning import all_ok, check_occasion

START = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
DAY = date(2025, 1, 10)


def module(
    uid: str, *, credits: float = 7.5, scale_id: int = 131657, reportable: bool = True
) -> RegisterModule:
    return RegisterModule(
        uid=uid,
        code=uid.upper(),
        name=f"module {uid}",
        credits=credits,
        scale_id=scale_id,
        reportable=reportable,
    )


def occasion(module_uids: tuple[str, ...] = ("m1",), first: date = DAY, last: date = DAY) -> RegisterOccasion:
    return RegisterOccasion(
        uid="occ1",
        name="TEN1 2025-01-10",
        start_date=first,
        end_date=last,
        module_uids=module_uids,
        course_round_uids=("cr1",),
    )


def window(hours: float = 4, duration: int = 240, start: datetime = START) -> ExamWindow:
    return ExamWindow(starts_at=start, ends_at=start + timedelta(hours=hours), duration_minutes=duration)


def by_name(checks: list) -> dict[str, tuple[bool, str]]:  # type: ignore[type-arg]
    return {c.name: (c.ok, c.detail) for c in checks}


def test_a_sound_occasion_passes_every_check() -> None:
    checks = check_occasion(
        occasion(("m1", "m2")), [module("m1"), module("m2"), module("other", credits=3)], window()
    )
    assert [c.name for c in checks] == [
        "tied_to_module",
        "results_reportable",
        "equal_credits",
        "one_grade_scale",
        "time_window",
        "duration",
    ]
    assert all_ok(checks)
    assert by_name(checks)["tied_to_module"][1] == "tied to M1, M2"


@pytest.mark.parametrize(
    ("occ", "modules", "failing", "detail"),
    [
        (occasion(()), [module("m1")], "tied_to_module", "tied to no module"),
        (occasion(("m1", "m9")), [module("m1")], "tied_to_module", "module(s) not found: m9"),
        (
            occasion(("m1", "m2")),
            [module("m1"), module("m2", reportable=False)],
            "results_reportable",
            "ResultatrapporteringMojlig) is off on M2",
        ),
        (
            occasion(("m1", "m2")),
            [module("m1"), module("m2", credits=6)],
            "equal_credits",
            "modules carry different credits: M1 7.5 credits, M2 6 credits",
        ),
        (
            occasion(("m1", "m2")),
            [module("m1"), module("m2", scale_id=131656)],
            "one_grade_scale",
            "modules use different grade scales: M1 scale A-F, M2 scale P/F",
        ),
    ],
)
def test_each_failing_check_is_named(occ, modules, failing, detail) -> None:  # type: ignore[no-untyped-def]
    checks = by_name(check_occasion(occ, modules, window()))
    assert [name for name, (ok, _) in checks.items() if not ok] == [failing]
    assert detail in checks[failing][1]


@pytest.mark.parametrize(
    ("duration", "ok", "detail"),
    [
        (240, True, "240 minutes"),
        (1, True, "1 minutes"),
        (241, False, "exceeds the 240-minute window"),
        (0, False, "is not positive"),
        (-5, False, "is not positive"),
    ],
)
def test_duration(duration: int, ok: bool, detail: str) -> None:
    checks = by_name(check_occasion(occasion(), [module("m1")], window(duration=duration)))
    assert checks["duration"][0] is ok
    assert detail in checks["duration"][1]


@pytest.mark.parametrize(
    ("occ", "planned", "detail"),
    [
        (occasion(), window(hours=0, duration=1), "the end 2025-01-10 09:00 is not after the start"),
        (occasion(), window(hours=-1, duration=1), "is not after the start"),
        (
            occasion(),
            window(start=START + timedelta(days=1)),
            "the exam's day 2025-01-11 is outside the occasion's dates in the register (2025-01-10)",
        ),
        (
            occasion(first=date(2025, 1, 11), last=date(2025, 1, 12)),
            window(),
            "outside the occasion's dates in the register (2025-01-11 to 2025-01-12)",
        ),
    ],
)
def test_times_outside_the_registers_dates_or_backwards_are_refused(occ, planned, detail) -> None:  # type: ignore[no-untyped-def]
    checks = by_name(check_occasion(occ, [module("m1")], planned))
    assert checks["time_window"][0] is False
    assert detail in checks["time_window"][1]


def test_the_day_is_the_stockholm_day_not_the_utc_one() -> None:
    late = datetime(2025, 1, 9, 23, 30, tzinfo=UTC)  # 00:30 on the 10th in Stockholm
    checks = by_name(check_occasion(occasion(), [module("m1")], window(start=late)))
    assert checks["time_window"] == (
        True,
        "2025-01-10 00:30-04:30 Stockholm time, within the occasion's dates (2025-01-10)",
    )
