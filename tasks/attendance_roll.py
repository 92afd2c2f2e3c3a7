"""The invigilators' roll reconciled with the platform's submissions after the exam."""

from __future__ import annotations

from prefect import task

from models.domain import Frozen, Role
from models.exam_day import AttendanceRoll
from rules.exam_day import Mismatch, Sitting, reconcile_roll
from store import audit, registrations
from store.db import transaction
from tasks import platform_results
from tasks.on_the_day import ExamDayRefused, check_staff
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger


class RollMismatch(Frozen):
    candidate_code: str
    kind: str
    detail: str


class RollReport(Frozen):
    candidates: int
    absent_on_roll: int
    submitted: int
    mismatches: list[RollMismatch]


@task(name="reconcile-roll", **OUTSIDE_RETRIES)
def reconcile_attendance(params: AttendanceRoll) -> RollReport:
    """Every mismatch between the roll and the platform's export, audited by its counts."""
    occasion_id = params.occasion_uid
    check_staff(params.entered_by, occasion_id, (Role.INVIGILATOR, Role.COORDINATOR))
    results, _ = platform_results.registered_results(occasion_id)
    with transaction() as session:
        codes = registrations.codes(session, occasion_id=occasion_id)
    sittings = [Sitting(codes[r.external_user_id], r.attended, r.extra_time_minutes) for r in results]
    try:
        found = reconcile_roll(sittings, params.absent_codes)
    except ValueError as exc:
        raise ExamDayRefused(f"roll of {occasion_id}: {exc}") from None
    report = RollReport(
        candidates=len(sittings),
        absent_on_roll=len(set(params.absent_codes)),
        submitted=sum(s.submitted for s in sittings),
        mismatches=[_shown(m) for m in found],
    )
    with transaction() as session:
        audit.record(
            session,
            actor=params.entered_by,
            action="exam.roll_reconciled",
            occasion_id=occasion_id,
            detail={"absent_on_roll": report.absent_on_roll, "mismatches": len(found)},
        )
    run_logger().info(
        f"Roll of {occasion_id}: {report.candidates} candidates, {report.absent_on_roll} absent on the roll, "
        f"{report.submitted} submissions; {len(found)} mismatches for a person to look at"
    )
    return report


def _shown(m: Mismatch) -> RollMismatch:
    return RollMismatch(candidate_code=m.code, kind=m.kind, detail=m.detail)
