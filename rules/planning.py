"""Checks on an exam occasion before its exam is created on the platform.

Source: the register's (Ladok's) rules for exam occasions, as docs/domain.md ("The phases") records
them: only an occasion tied to a module can have results reported, the module must allow result
reporting (`ResultatrapporteringMojlig`), and all modules on one occasion carry the same credits.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from models.domain import RegisterModule, RegisterOccasion


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str


def check_occasion(
    occasion: RegisterOccasion, modules: Sequence[RegisterModule], duration_minutes: int | None = None
) -> list[CheckResult]:
    """Every planning check, passed or not. `modules` may hold more than the occasion's modules;
    `duration_minutes` is the test's working time, checked when given."""
    by_uid = {m.uid: m for m in modules}
    on_occasion = [by_uid[uid] for uid in occasion.module_uids if uid in by_uid]
    checks = [
        _tied_to_module(occasion, by_uid),
        _reportable(on_occasion),
        _equal_credits(on_occasion),
        _one_scale(on_occasion),
        _time_window(occasion),
    ]
    if duration_minutes is not None:
        checks.append(_duration(occasion, duration_minutes))
    return checks


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
    listed = ", ".join(f"{m.code} scale {m.scale_id}" for m in modules)
    ok = len({m.scale_id for m in modules}) <= 1
    detail = listed if ok else f"modules use different grade scales: {listed}"
    return CheckResult(name="one_grade_scale", ok=ok, detail=detail or "no modules")


def _time_window(occasion: RegisterOccasion) -> CheckResult:
    start, end = occasion.starts_at, occasion.ends_at
    if start < end:
        minutes = int((end - start).total_seconds() // 60)
        return CheckResult(name="time_window", ok=True, detail=f"{start:%Y-%m-%d %H:%M}, {minutes} minutes")
    detail = f"starts {start.isoformat()} is not before ends {end.isoformat()}"
    return CheckResult(name="time_window", ok=False, detail=detail)


def _duration(occasion: RegisterOccasion, duration_minutes: int) -> CheckResult:
    window = (occasion.ends_at - occasion.starts_at).total_seconds() / 60
    if duration_minutes <= 0:
        detail = f"duration {duration_minutes} minutes is not positive"
        return CheckResult(name="duration", ok=False, detail=detail)
    if duration_minutes > window:
        detail = f"duration {duration_minutes} minutes exceeds the {window:g}-minute window"
        return CheckResult(name="duration", ok=False, detail=detail)
    return CheckResult(name="duration", ok=True, detail=f"{duration_minutes} minutes")
