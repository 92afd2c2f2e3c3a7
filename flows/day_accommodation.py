"""exam-day-accommodation: a support decision registered on the exam day (a dyslexia certificate
shown at the door) is checked as the `accommodations` import checks a form's row and added to the
student's decisions, and the exam is synced and pushed at once, so the candidate's extra time is
on the platform before they start; the extra time is read back from the platform."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.exam_day import DayAccommodation
from tasks.day_accommodation import check_day_accommodation, read_back_extra_time, record_day_decision
from tasks.registration import push_to_platform, sync_from_register


@flow(name="exam-day-accommodation")
def exam_day_accommodation(params: DayAccommodation) -> str:
    occasion, uid = params.occasion_uid, params.decision.student_uid
    check_day_accommodation(params)
    record_day_decision(params)
    sync_from_register([occasion])
    push_to_platform([occasion])
    minutes = read_back_extra_time(occasion, uid)
    said = f"Student {uid} on {occasion}: {minutes} minutes of extra time on the platform"
    get_run_logger().info(said)
    return said
