"""Exam day on the platform: activate, close at the deadline, attendance, open for assessment."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pandas as pd
from prefect import task
from prefect.deployments import run_deployment

from models.domain import AttendanceStatus, Frozen, PlatformTest
from store import audit, exam_day, grading, occasions, registrations
from store.db import transaction
from tasks import platform_results
from tasks.chaining import DEPLOYMENT
from tasks.clock import now
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems

# Waits this short happen in process; longer ones end the run and schedule its continuation.
LONGEST_WAIT = timedelta(minutes=15)
# A wait in process reads the deadline again this often: an incident reported meanwhile moves it.
RECHECK = timedelta(seconds=5)


class Attendance(Frozen):
    registered: int
    submitted: int
    absent: int
    with_extra_time: int


@task(name="activate-test", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def activate_test(occasion_id: str) -> PlatformTest:
    """Activates the test (idempotent: an active or later test is left as it is)."""
    with systems().platform() as platform:
        test = platform.get_test(platform_results.platform_test_id(occasion_id))
        if test.status == "SCHEDULED":
            test = platform.set_status(test.test_id, "ACTIVE")
            with transaction() as session:
                occasions.set_status(session, occasion_id=occasion_id, status="active")
                audit.record(
                    session,
                    actor="examflow",
                    action="exam.activated",
                    occasion_id=occasion_id,
                    detail={"test_id": test.test_id},
                )
            run_logger().info(f"Activated platform test {test.test_id} of {occasion_id}")
        else:
            run_logger().info(
                f"Platform test {test.test_id} of {occasion_id} is {test.status} already: left so"
            )
    return test


@task(name="wait-for-deadline", **REPLAY_SAFE)
def wait_for_deadline(occasion_id: str, chain: bool) -> str:
    """'reached' once the deadline (end time plus the longest extra time, planned and given back
    for incidents) has passed; sleeps through short waits, reading the deadline again every
    RECHECK (an incident reported meanwhile moves it), and for long ones schedules this flow
    again at the deadline (keyed on the deadline: a deadline moved by new extra time or an
    incident schedules anew)."""
    told: datetime | None = None
    while True:
        deadline, longest = _deadline(occasion_id)
        remaining = deadline - now()
        if deadline != told:
            run_logger().info(
                f"Deadline of {occasion_id}: {deadline:%Y-%m-%d %H:%M:%S} UTC (the end time plus the longest "
                f"extra time, incidents' minutes included, {longest} minutes); "
                + (
                    "passed"
                    if remaining <= timedelta(0)
                    else f"{remaining.total_seconds():.0f} seconds to wait"
                )
            )
            told = deadline
        if remaining <= timedelta(0):
            return "reached"
        if remaining > LONGEST_WAIT:
            _schedule_continuation(occasion_id, deadline, chain)
            return f"scheduled for {deadline:%Y-%m-%d %H:%M} UTC"
        time.sleep(min(remaining, RECHECK).total_seconds())


def _deadline(occasion_id: str) -> tuple[datetime, int]:
    """The exam's deadline and the longest extra time in it, in minutes."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        given = exam_day.compensation(session, occasion_id=occasion_id)
        longest = max(
            (
                r.extra_time_minutes + given.get(r.id, 0)
                for r in registrations.registered(session, occasion_id=occasion_id)
            ),
            default=0,
        )
    return occasion.ends_at + timedelta(minutes=longest), longest


def _schedule_continuation(occasion_id: str, deadline: datetime, chain: bool) -> None:
    key = f"exam-day:{occasion_id}:{deadline.isoformat()}"
    try:
        run_deployment(
            f"exam-day/{DEPLOYMENT}",
            parameters={"params": {"occasion_uid": occasion_id, "chain": chain}},
            scheduled_time=deadline,
            timeout=0,
            idempotency_key=key,
            as_subflow=False,
        )
    except Exception as exc:  # no deployment: an ad-hoc run cannot wait days
        raise RuntimeError(
            f"the deadline of {occasion_id} is at {deadline:%Y-%m-%d %H:%M} UTC; run exam-day again after it"
        ) from exc


@task(name="close-and-open-for-assessment", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def close_and_open_for_assessment(occasion_id: str) -> PlatformTest:
    """Closes submissions, then opens the test for assessment (the platform refuses before the deadline)."""
    with systems().platform() as platform:
        test = platform.get_test(platform_results.platform_test_id(occasion_id))
        if test.status == "ACTIVE":
            test = platform.set_status(test.test_id, "FINISHED")
        if test.status == "FINISHED":
            test = platform.set_status(test.test_id, "GRADING_IN_PROGRESS")
    with transaction() as session:
        occasions.set_status(session, occasion_id=occasion_id, status="closed")
        audit.record(
            session,
            actor="examflow",
            action="exam.closed",
            occasion_id=occasion_id,
            detail={"platform_status": test.status},
        )
    run_logger().info(f"Closed {occasion_id} for submissions; platform test {test.test_id} is {test.status}")
    return test


@task(name="record-attendance", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def record_attendance(occasion_id: str) -> Attendance:
    """Attendance from the platform's results export, stored per registration."""
    results, held = platform_results.registered_results(occasion_id)
    with transaction() as session:
        frame = pd.DataFrame(
            [
                dict(
                    registration_id=held[r.external_user_id],
                    occasion_id=occasion_id,
                    status=AttendanceStatus.SUBMITTED if r.attended else AttendanceStatus.ABSENT,
                    started_at=r.started_at,
                    ended_at=r.ended_at,
                    extra_time_minutes=r.extra_time_minutes,
                )
                for r in results
            ]
        )
        grading.save_attendance(session, frame)
    submitted = sum(r.attended for r in results)
    run_logger().info(
        f"Attendance of {occasion_id} from the platform: {len(held)} registered, {submitted} submitted, "
        f"{len(results) - submitted} absent"
    )
    return Attendance(
        registered=len(held),
        submitted=submitted,
        absent=len(results) - submitted,
        with_extra_time=sum(r.extra_time_minutes > 0 for r in results),
    )
