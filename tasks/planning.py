"""Planning: the occasion from the register, its checks, our record and the platform's test."""

from __future__ import annotations

from prefect import task
from sqlalchemy.orm import Session

from formats.timetable import read_timetable
from formats.upload import LIMITS
from models.codes import term_of
from models.domain import (
    Country,
    ExamWindow,
    PlatformTest,
    RegisterCourseRound,
    RegisterModule,
    RegisterOccasion,
)
from models.grading import GradingSettings
from models.params import ExamTimes, PlanExam
from rules.anonymisation import course_prefix, prefix_base
from rules.exam_security import lockdown_refusal
from rules.exam_times import STOCKHOLM, TimesMissing, exam_window
from rules.grades import LADOK_SCALES, Scale, Thresholds, thresholds_for
from rules.planning import CheckResult, check_occasion, check_title, scale_title
from rules.sheet_errors import SheetRefused
from rules.timetable import Slot, slot_for
from store import audit, exam_settings, occasions
from store import codes as term_codes
from store.db import transaction
from store.occasions import UnknownOccasion
from tasks import exam_security
from tasks.reports import markdown_table
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.spreadsheet_grades import UploadRefused, upload_path
from tasks.systems import systems


class PlanRefused(Exception):
    """The occasion fails a planning check; the message names each failed check."""


@task(name="fetch-occasion", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def fetch_occasion(
    occasion_uid: str, country: Country = Country.SE
) -> tuple[RegisterOccasion, list[RegisterCourseRound]]:
    """The occasion and its course rounds from the register of the exam's country."""
    with systems().register(country=country) as register:
        occasion = register.get_occasion(occasion_uid)
        rounds = [register.get_course_round(uid) for uid in occasion.course_round_uids]
    run_logger().info(
        f"Read occasion {occasion.uid} ({occasion.name}) from the register of {country}: {len(rounds)} course rounds "
        f"({_codes(rounds)}), {len(occasion.module_uids)} modules examined"
    )
    return occasion, rounds


def _codes(rounds: list[RegisterCourseRound]) -> str:
    return ", ".join(sorted({r.code for r in rounds})) or "no course code"


@task(name="plan-times", **REPLAY_SAFE)
def plan_times(times: ExamTimes, occasion: RegisterOccasion, rounds: list[RegisterCourseRound]) -> ExamWindow:
    """The exam's window from the plan's times, what they leave empty read from the timetable;
    PlanRefused, naming what is missing, when a time is still unknown."""
    codes = " or ".join(sorted({r.code for r in rounds})) or "its course"
    days = f"{occasion.start_date}" + (
        f" to {occasion.end_date}" if occasion.end_date != occasion.start_date else ""
    )
    slot = _timetable_slot(times.timetable, rounds, occasion) if times.timetable else None
    where = f"with a row for {codes} on {days}"
    if times.timetable and slot is None:
        where += f" ({times.timetable} has none)"
    try:
        return exam_window(times, slot, where_to_look=where)
    except TimesMissing as exc:
        raise PlanRefused(f"occasion {occasion.uid}: {exc}") from exc


def _timetable_slot(
    filename: str, rounds: list[RegisterCourseRound], occasion: RegisterOccasion
) -> Slot | None:
    """The timetable's row for the occasion (one of its course codes on one of its days)."""
    try:
        with upload_path(filename).open("rb") as file:
            slots = read_timetable(file.read(LIMITS.max_bytes + 1), filename)
        return slot_for(slots, {r.code for r in rounds}, occasion.start_date, occasion.end_date)
    except (UploadRefused, SheetRefused, ValueError) as exc:
        raise PlanRefused(f"timetable {filename}: {exc}") from exc


@task(name="check-occasion", **REPLAY_SAFE)
def check_plan(
    occasion: RegisterOccasion, rounds: list[RegisterCourseRound], window: ExamWindow
) -> list[CheckResult]:
    checks = check_occasion(occasion, [m for r in rounds for m in r.modules], window)
    failed = "; ".join(f"{c.name} ({c.detail})" for c in checks if not c.ok)
    run_logger().info(
        f"Checks of the plan of {occasion.uid}: " + (f"failed: {failed}" if failed else "all passed")
    )
    return checks


def plan_report(
    occasion: RegisterOccasion,
    rounds: list[RegisterCourseRound],
    window: ExamWindow,
    checks: list[CheckResult],
    policy: str = "",
) -> str:
    modules = [
        {
            "course": r.code,
            "module": m.code,
            "name": m.name,
            "credits": m.credits,
            "scale": scale_title(m.scale_id),
        }
        for r in rounds
        for m in r.modules
        if m.uid in occasion.module_uids
    ]
    check_rows = [
        {"check": check_title(c.name), "passed": "yes" if c.ok else "NO", "detail": c.detail} for c in checks
    ]
    start, end = window.starts_at.astimezone(STOCKHOLM), window.ends_at.astimezone(STOCKHOLM)
    return (
        f"### {occasion.name}\n\nFrom {start:%Y-%m-%d %H:%M} to {end:%H:%M} Stockholm time, "
        f"{window.duration_minutes} minutes' working time{_deadline(occasion)}\n\n"
        f"{markdown_table(modules)}\n\n#### Checks\n\n{markdown_table(check_rows)}"
        + (f"\n\n#### Exam policy\n\n{policy[0].upper()}{policy[1:]}." if policy else "")
    )


def _deadline(occasion: RegisterOccasion) -> str:
    deadline = occasion.submission_deadline
    return f"; submission deadline in the register {deadline:%Y-%m-%d %H:%M}" if deadline else ""


@task(name="save-plan", **REPLAY_SAFE)
def save_plan(
    params: PlanExam,
    occasion: RegisterOccasion,
    rounds: list[RegisterCourseRound],
    window: ExamWindow,
    checks: list[CheckResult],
) -> str:
    """Records the plan; refuses, naming each failed check, when any check failed."""
    failed = [c for c in checks if not c.ok]
    if failed:
        raise PlanRefused("; ".join(f"{c.name}: {c.detail}" for c in failed))
    if refusal := lockdown_refusal(params.exam_type, params.lockdown_browser):
        raise PlanRefused(f"occasion {occasion.uid}: lockdown_browser: {refusal}")
    modules = [m for r in rounds for m in r.modules if m.uid in occasion.module_uids]
    scale_id = modules[0].scale_id
    if scale_id not in LADOK_SCALES:
        raise PlanRefused(f"grade scale {scale_id} of module {modules[0].code} is not supported")
    check_thresholds(params.grading, LADOK_SCALES[scale_id])
    _store_plan(params, occasion, rounds, window, modules)
    start, end = window.starts_at.astimezone(STOCKHOLM), window.ends_at.astimezone(STOCKHOLM)
    run_logger().info(
        f"Planned {_codes(rounds)} (occasion {occasion.uid}): {len(modules)} modules, {modules[0].credits} "
        f"credits, grade scale {scale_title(scale_id)}, {params.exam_type} on {start:%Y-%m-%d %H:%M}-{end:%H:%M} "
        f"Stockholm time, {window.duration_minutes} minutes' working time"
    )
    return occasion.uid


def _store_plan(
    params: PlanExam,
    occasion: RegisterOccasion,
    rounds: list[RegisterCourseRound],
    window: ExamWindow,
    modules: list[RegisterModule],
) -> None:
    """The plan and the exam's grading settings in our store, audited; the first module's scale and
    credits are the exam's."""
    scale_id = modules[0].scale_id
    with transaction() as session:
        occasions.save_plan(
            session,
            occasion=occasion,
            window=window,
            course_rounds=rounds,
            country=params.country,
            exam_type=params.exam_type,
            scale=LADOK_SCALES[scale_id],
            register_scale_id=scale_id,
            credits=modules[0].credits,
            code_prefix=_code_prefix(session, params, occasion, rounds, window),
        )
        exam_settings.put(session, occasion_id=occasion.uid, settings=params.grading)
        exam_security.hold(session, occasion_id=occasion.uid, lockdown_browser=params.lockdown_browser)
        audit.record(
            session,
            actor="examflow",
            action="plan.saved",
            occasion_id=occasion.uid,
            detail={"modules": [m.uid for m in modules], "exam_type": params.exam_type},
        )


@task(name="create-platform-test", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def create_platform_test(params: PlanExam, occasion: RegisterOccasion, window: ExamWindow) -> PlatformTest:
    """Creates (or updates) the platform's test at the plan's times, keyed on the occasion uid."""
    with systems().platform() as platform:
        test = platform.upsert_test(
            external_test_id=occasion.uid,
            title=occasion.name,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            duration_minutes=window.duration_minutes,
        )
        security = exam_security.ensure_on_platform(platform, test_id=test.test_id, occasion_id=occasion.uid)
    with transaction() as session:
        occasions.set_status(
            session, occasion_id=occasion.uid, status="planned", platform_test_id=test.test_id
        )
        audit.record(
            session,
            actor="examflow",
            action="platform.test_created",
            occasion_id=occasion.uid,
            detail={"test_id": test.test_id},
        )
    run_logger().info(
        f"Platform test {test.test_id} set for occasion {occasion.uid} at the plan's times "
        f"(lockdown browser {'on' if params.lockdown_browser else 'off'}, security settings {security}); "
        "the exam is planned"
    )
    return test


def _code_prefix(
    session: Session,
    params: PlanExam,
    occasion: RegisterOccasion,
    rounds: list[RegisterCourseRound],
    window: ExamWindow,
) -> str:
    """The plan's prefix, else the one the exam holds, else one made from its course and sitting."""
    if params.code_prefix:
        return params.code_prefix
    try:
        return occasions.get(session, occasion.uid).code_prefix
    except UnknownOccasion:
        pass
    course = min((r.code for r in rounds), default=occasion.name)
    try:
        base = prefix_base(course)
        taken = term_codes.prefixes_in_term(
            session, term=term_of(window.starts_at), like=base, excluding=occasion.uid
        )
        return course_prefix(course, taken)
    except ValueError as exc:
        raise PlanRefused(f"occasion {occasion.uid}: code_prefix: {exc}") from exc


def check_thresholds(settings: GradingSettings, scale: Scale) -> Thresholds:
    """The exam's thresholds on its scale, or PlanRefused saying what is wrong with them."""
    try:
        return thresholds_for(scale, settings)
    except ValueError as exc:
        raise PlanRefused(f"thresholds of the exam: {exc}") from exc
