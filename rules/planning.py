"""Checks on an exam occasion before its exam is created on the platform.

Source: the register's (Ladok's) rules for exam occasions, as docs/domain.md ("The phases") records
them: only an occasion tied to a module can have results reported, the module must allow result
reporting (`ResultatrapporteringMojlig`), and all modules on one occasion carry the same credits. The
exam's times are the plan's; the register's occasion gives the days they must fall on.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from models.domain import ExamWindow, RegisterModule, RegisterOccasion
from rules.exam_times import STOCKHOLM
from rules.grades import LADOK_SCALES


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str


def check_occasion(
    occasion: RegisterOccasion, modules: Sequence[RegisterModule], window: ExamWindow
) -> list[CheckResult]:
    """Every planning check, passed or not. `modules` may hold more than the occasion's modules;
    `window` is the plan's times, checked against the occasion's dates in the register."""
    by_uid = {m.uid: m for m in modules}
    on_occasion = [by_uid[uid] for uid in occasion.module_uids if uid in by_uid]
    return [
        _tied_to_module(occasion, by_uid),
        _reportable(on_occasion),
        _equal_credits(on_occasion),
        _one_scale(on_occasion),
        _time_window(occasion, window),
        _duration(window),
    ]


# Each check as the plan's report names it.
CHECK_TITLES = {
    "tied_to_module": "tied to a module",
    "results_reportable": "results can be reported",
    "equal_credits": "equal credits on every module",
    "one_grade_scale": "one grade scale",
    "time_window": "within the register's dates",
    "duration": "working time fits the window",
}


def check_title(name: str) -> str:
    return CHECK_TITLES.get(name, name.replace("_", " "))


def scale_title(scale_id: int) -> str:
    """A register grade scale by its grades (A-F, P/F), not by the register's number."""
    scale = LADOK_SCALES.get(scale_id)
    return scale.value if scale else f"a scale examflow does not grade on (the register's {scale_id})"


def all_ok(checks: Sequence[CheckResult]) -> bool:
    return all(c.ok for c in checks)


def _tied_to_module(occasion: RegisterOccasion, by_uid: dict[str, RegisterModule]) -> CheckResult:
    name = "tied_to_module"
    if not occasion.module_uids:
        return CheckResult(name=name, ok=False, detail=f"occasion {occasion.name} is tied to no module")
    unknown = [uid for uid in occasion.module_uids if uid not in by_uid]
    if unknown:
        return CheckResult(name=name, ok=False, detail=f"module(s) not found: {', '.join(unknown)}")
    codes = ", ".join(by_uid[uid].code for uid in occasion.module_uids)
    return CheckResult(name=name, ok=True, detail=f"tied to {codes}")


def _reportable(modules: Sequence[RegisterModule]) -> CheckResult:
    closed = [m.code for m in modules if not m.reportable]
    if closed:
        detail = f"result reporting (ResultatrapporteringMojlig) is off on {', '.join(closed)}"
        return CheckResult(name="results_reportable", ok=False, detail=detail)
    return CheckResult(name="results_reportable", ok=True, detail="every module allows result reporting")


def _equal_credits(modules: Sequence[RegisterModule]) -> CheckResult:
    listed = ", ".join(f"{m.code} {m.credits:g} credits" for m in modules)
    ok = len({m.credits for m in modules}) <= 1
    detail = listed if ok else f"modules carry different credits: {listed}"
    return CheckResult(name="equal_credits", ok=ok, detail=detail or "no modules")


def _one_scale(modules: Sequence[RegisterModule]) -> CheckResult:
    listed = ", ".join(f"{m.code} scale {scale_title(m.scale_id)}" for m in modules)
    ok = len({m.scale_id for m in modules}) <= 1
    detail = listed if ok else f"modules use different grade scales: {listed}"
    return CheckResult(name="one_grade_scale", ok=ok, detail=detail or "no modules")


def _time_window(occasion: RegisterOccasion, window: ExamWindow) -> CheckResult:
    name = "time_window"
    start, end = window.starts_at.astimezone(STOCKHOLM), window.ends_at.astimezone(STOCKHOLM)
    first, last = occasion.start_date, occasion.end_date
    dates = f"{first}" if first == last else f"{first} to {last}"
    if not first <= start.date() <= last:
        detail = f"the exam's day {start.date()} is outside the occasion's dates in the register ({dates})"
        return CheckResult(name=name, ok=False, detail=detail)
    if end <= start:
        detail = f"the end {end:%Y-%m-%d %H:%M} is not after the start {start:%Y-%m-%d %H:%M} (Stockholm)"
        return CheckResult(name=name, ok=False, detail=detail)
    detail = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} Stockholm time, within the occasion's dates ({dates})"
    return CheckResult(name=name, ok=True, detail=detail)


def _duration(window: ExamWindow) -> CheckResult:
    minutes = window.duration_minutes
    span = (window.ends_at - window.starts_at).total_seconds() / 60
    if minutes <= 0:
        return CheckResult(name="duration", ok=False, detail=f"duration {minutes} minutes is not positive")
    if minutes > span:
        detail = f"duration {minutes} minutes exceeds the {max(span, 0):g}-minute window"
        return CheckResult(name="duration", ok=False, detail=detail)
    return CheckResult(name="duration", ok=True, detail=f"{minutes} minutes")
