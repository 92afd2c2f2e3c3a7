"""attendance-roll: the invigilators' roll (the codes they saw absent) reconciled with the
platform's submissions; every mismatch (present without a submission, a submission marked
absent, a no-show who had extra time) listed in an artifact for the exam office to look at."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.exam_day import AttendanceRoll
from tasks.attendance_roll import RollReport, reconcile_attendance
from tasks.reports import artifact_key, markdown_table, publish_markdown


def roll_report(occasion_id: str, report: RollReport) -> str:
    rows = [{"code": m.candidate_code, "mismatch": m.kind, "detail": m.detail} for m in report.mismatches]
    return (
        f"### Attendance roll of {occasion_id}\n\n{report.candidates} candidates on the platform, "
        f"{report.absent_on_roll} absent on the roll, {report.submitted} submissions; "
        f"{len(rows)} mismatch(es) to look at.\n\n{markdown_table(rows, limit=len(rows))}"
    )


@flow(name="attendance-roll")
def attendance_roll(params: AttendanceRoll) -> str:
    report = reconcile_attendance(params)
    publish_markdown(
        artifact_key("attendance-roll", params.occasion_uid),
        roll_report(params.occasion_uid, report),
        f"Attendance roll of {params.occasion_uid}",
    )
    said = f"{len(report.mismatches)} mismatch(es) between the roll and the platform on {params.occasion_uid}"
    get_run_logger().info(said)
    return said
