from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models.domain import RegisterModule, RegisterOccasion
from rules.planning import all_ok, check_occasion

START = datetime(2025, 1, 10, 9, 0)


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


def occasion(module_uids: tuple[str, ...] = ("m1",), hours: float = 4) -> RegisterOccasion:
    return RegisterOccasion(
        uid="occ1",
        name="TEN1 2025-01-10",
        starts_at=START,
        ends_at=START + timedelta(hours=hours),
        module_uids=module_uids,
        course_round_uids=("cr1",),
    )


def by_name(checks: list) -> dict[str, tuple[bool, str]]:  # type: ignore[type-arg]
    return {c.name: (c.ok, c.detail) for c in checks}


def test_a_sound_occasion_passes_every_check() -> None:
    checks = check_occasion(
        occasion(("m1", "m2")), [module("m1"), module("m2"), module("other", credits=3)], 240
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
            "modules use different grade scales: M1 scale 131657, M2 scale 131656",
        ),
        (occasion(hours=0), [module("m1")], "time_window", "is not before ends"),
        (occasion(hours=-1), [module("m1")], "time_window", "is not before ends"),
    ],
)
def test_each_failing_check_is_named(occ, modules, failing, detail) -> None:  # type: ignore[no-untyped-def]
    checks = by_name(check_occasion(occ, modules))
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
    checks = by_name(check_occasion(occasion(), [module("m1")], duration))
    assert checks["duration"][0] is ok
    assert detail in checks["duration"][1]


def test_no_duration_given_means_no_duration_check() -> None:
    assert "duration" not in by_name(check_occasion(occasion(), [module("m1")]))
