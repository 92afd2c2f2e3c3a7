"""A support decision registered on the exam day (a dyslexia certificate shown at the door): checked
against the exam, and the candidate's extra time read back from the platform once pushed."""

from __future__ import annotations

from prefect import task

from models.domain import Role
from models.exam_day import DayAccommodation
from rules.accommodations import identities, read_decisions
from rules.exam_times import local_day
from store import accommodations as support
from store import audit, occasions, registrations
from store.db import transaction
from tasks import platform_results
from tasks.accommodations import form_table
from tasks.clock import now
from tasks.on_the_day import ExamDayRefused, check_staff
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems


@task(name="check-day-accommodation")
def check_day_accommodation(params: DayAccommodation) -> None:
    """A coordinator's decision on the day reaches a planned or active exam the student is
    registered on."""
    occasion_id, uid = params.occasion_uid, params.decision.student_uid
    check_staff(params.entered_by, occasion_id, (Role.COORDINATOR,))
    with transaction() as session:
        status = occasions.get(session, occasion_id).status
        held = {r.student_uid for r in registrations.registered(session, occasion_id=occasion_id)}
    if uid not in held:
        raise ExamDayRefused(f"student {uid} is not registered on {occasion_id}")
    if status not in ("planned", "active"):
        raise ExamDayRefused(
            f"exam {occasion_id} is {status}: a decision on the day reaches a planned or active exam"
        )


@task(name="record-day-decision", **OUTSIDE_RETRIES)
def record_day_decision(params: DayAccommodation) -> None:
    """Checks the decision as the `accommodations` import checks a form's row, and adds it to the
    student's held decisions: an import replaces a student's decisions, a decision on the day
    adds to them (an earlier separate room is kept; the longest extra time holds)."""
    table = form_table([params.decision])
    today = local_day(now())
    national_ids, uids = identities(table, today)
    with systems().register() as register:
        students = register.find_students(national_ids=national_ids, uids=uids)
    [decision] = read_decisions(table, students=students, today=today)
    with transaction() as session:
        support.add(
            session,
            [{name: getattr(decision, name) for name in support.FIELDS}],
            source="exam day",
            entered_by=params.entered_by,
        )
        audit.record(
            session,
            actor=params.entered_by,
            action="accommodations.exam_day",
            occasion_id=params.occasion_uid,
            detail={
                "student_uid": decision.student_uid,
                "granted": decision.granted,
                "extra_time_minutes": decision.extra_time_minutes,
                "separate_room": decision.separate_room,
                "equipment": decision.equipment,
            },
        )


@task(name="read-back-extra-time", **OUTSIDE_RETRIES)
def read_back_extra_time(occasion_id: str, student_uid: str) -> int:
    """The candidate's planned extra time as the platform now holds it."""
    with systems().platform() as platform:
        listed = platform.list_candidates(platform_results.platform_test_id(occasion_id))
    minutes = next((c.extra_time_minutes for c in listed if c.external_user_id == student_uid), None)
    if minutes is None:
        raise RuntimeError(
            f"student {student_uid} is not a candidate on the platform's test of {occasion_id}"
        )
    run_logger().info(
        f"Student {student_uid} has {minutes} minutes of extra time on the platform for {occasion_id}"
    )
    return minutes
