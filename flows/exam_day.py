"""exam-day: activate, wait for the deadline, close, take attendance, open for assessment."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.params import OccasionStep
from tasks.chaining import start_phase
from tasks.exam_day import activate_test, close_and_open_for_assessment, record_attendance, wait_for_deadline
from tasks.exam_names import key_of, name_run, title_of
from tasks.exam_security import check_exam_security, send_exam_passwords
from tasks.reports import markdown_table, publish_markdown


@flow(name="exam-day", flow_run_name=name_run)
def exam_day(params: OccasionStep) -> str:
    occasion = params.occasion_uid
    check_exam_security(occasion)
    send_exam_passwords(occasion)
    activate_test(occasion)
    waited = wait_for_deadline(occasion, params.chain)
    if waited != "reached":
        get_run_logger().info(f"Exam {occasion} stays active until its deadline; exam-day continues {waited}")
        return f"exam {occasion} is active; closing {waited}"
    closed = close_and_open_for_assessment(occasion)
    attendance = record_attendance(occasion)
    publish_markdown(
        key_of("exam-day", occasion),
        f"### Exam day of {title_of(occasion)}\n\nPlatform status: **{closed.status}**\n\n"
        + markdown_table([attendance.model_dump()]),
        f"Attendance on {title_of(occasion)}",
    )
    if params.chain:
        start_phase("grading", {"params": {"occasion_uid": occasion, "chain": True}})
    return f"{attendance.submitted} submitted, {attendance.absent} absent"
