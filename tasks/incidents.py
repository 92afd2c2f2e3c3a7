"""An incident on exam day: the minutes a candidate lost given back on the platform, recorded in
the store and audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from prefect import task

from models.domain import Frozen, Role
from models.exam_day import ExamIncident
from store import audit, exam_day, locks, occasions, registrations
from store.db import transaction
from store.schema import Registration
from tasks import platform_results
from tasks.clock import now
from tasks.on_the_day import ExamDayRefused, check_staff
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems

LEASE = timedelta(minutes=2)  # one incident of a candidate at a time; a crashed holder's expires
LEASE_WAIT_SECONDS = 30


class IncidentGranted(Frozen):
    candidate_code: str
    minutes: int
    incident_minutes: int  # every incident of the candidate's, as the platform now holds it
    ends_at: datetime  # the candidate's new end


def candidate(occasion_id: str, code: str) -> tuple[Registration, datetime, str, int]:
    """The registration under `code`, the exam's end, its status and the incident minutes held."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        try:
            registration = registrations.by_code(session, occasion_id=occasion_id, code=code)
        except LookupError as exc:
            raise ExamDayRefused(str(exc)) from None
        given = exam_day.compensation(session, occasion_id=occasion_id).get(registration.id, 0)
        session.expunge(registration)
        return registration, occasion.ends_at, occasion.status, given


@task(name="grant-incident-time", **OUTSIDE_RETRIES)
def grant_incident_time(params: ExamIncident, key: str) -> IncidentGranted:
    """Gives the minutes back on the platform, then records the incident under `key` with its
    audit. The platform holds the candidate's total, set from our record of their incidents; one
    incident of a candidate is given at a time, so two reported at once add up. A retry sets the
    same total again; a replay of a recorded incident changes nothing."""
    occasion_id, code = params.occasion_uid, params.candidate_code
    check_staff(params.entered_by, occasion_id, (Role.INVIGILATOR, Role.COORDINATOR))
    with _one_incident_at_a_time(occasion_id, code, key):
        registration, exam_ends, status, given = candidate(occasion_id, code)
        if not _recorded(occasion_id, key):
            _check_open(
                params, status, exam_ends + timedelta(minutes=registration.extra_time_minutes + given)
            )
            given += params.minutes_lost
            _set_on_platform(occasion_id, registration, code, given)
            _record(params, registration, key, given)
    new_end = exam_ends + timedelta(minutes=registration.extra_time_minutes + given)
    run_logger().info(
        f"Incident on {occasion_id}: candidate {code} given {params.minutes_lost} minutes back "
        f"({given} incident minutes in all); their time now ends {new_end:%H:%M} UTC"
    )
    return IncidentGranted(
        candidate_code=code, minutes=params.minutes_lost, incident_minutes=given, ends_at=new_end
    )


@contextmanager
def _one_incident_at_a_time(occasion_id: str, code: str, holder: str) -> Iterator[None]:
    """Holds the candidate's incident lease, waiting up to LEASE_WAIT_SECONDS for another holder."""
    name = f"incident:{occasion_id}:{code}"
    for waited in range(LEASE_WAIT_SECONDS + 1):
        try:
            with transaction() as session:
                locks.acquire(session, name=name, holder=holder, now=now(), ttl=LEASE)
            break
        except locks.Busy as exc:
            if waited == LEASE_WAIT_SECONDS:
                raise ExamDayRefused(
                    f"another incident of candidate {code} on {occasion_id} is being given ({exc}); "
                    "report this one again"
                ) from None
            time.sleep(1)
    try:
        yield
    finally:
        with transaction() as session:
            locks.release(session, name=name, holder=holder)


def _check_open(params: ExamIncident, status: str, ends: datetime) -> None:
    """Incident time is given while the exam is active, before the candidate's end."""
    if status != "active":
        raise ExamDayRefused(
            f"exam {params.occasion_uid} is {status}, not active: incident time is given during the exam"
        )
    if now() >= ends:
        raise ExamDayRefused(
            f"candidate {params.candidate_code}'s time on {params.occasion_uid} ended at "
            f"{ends:%Y-%m-%d %H:%M} UTC: incident time is given before the candidate's deadline"
        )


def _set_on_platform(occasion_id: str, registration: Registration, code: str, total: int) -> None:
    with systems().platform() as platform:
        held = platform.set_incident_time(
            platform_results.platform_test_id(occasion_id), registration.student_uid, total
        )
    if held != total:
        raise RuntimeError(
            f"the platform holds {held} incident minutes for {code} on {occasion_id}, not {total}"
        )


def _recorded(occasion_id: str, key: str) -> bool:
    with transaction() as session:
        return exam_day.held(session, occasion_id=occasion_id, kind=exam_day.INCIDENT, key=key)


def _record(params: ExamIncident, registration: Registration, key: str, total: int) -> None:
    with transaction() as session:
        exam_day.record(
            session,
            registration=registration,
            kind=exam_day.INCIDENT,
            key=key,
            minutes=params.minutes_lost,
            reason=params.reason,
            entered_by=params.entered_by,
            at=now(),
        )
        audit.record(
            session,
            actor=params.entered_by,
            action="exam.incident",
            occasion_id=params.occasion_uid,
            detail={
                "candidate_code": params.candidate_code,
                "minutes": params.minutes_lost,
                "incident_minutes": total,
                "reason": params.reason,
            },
        )
