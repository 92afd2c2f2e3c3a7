"""exam-incident under Prefect against the stand-ins over HTTP: an invigilator's report during a
running exam gives the minutes back on the platform (its export shows them), is recorded under
the run, published for the exam office, and moves the deadline exam-day's close waits for."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from prefect.artifacts import Artifact

from flows.exam_incident import exam_incident
from models.exam_day import ExamIncident
from rules.exam_times import STOCKHOLM
from store import exam_day, occasions, registrations
from store.db import transaction
from tasks import platform_results
from tasks.exam_day import activate_test, wait_for_deadline
from tasks.reports import artifact_key
from tests.flows.conftest import World
from tests.flows.exams import Exam


def running_window() -> tuple[datetime, datetime]:
    """A window that started a minute ago and runs for up to an hour, within its day in Stockholm
    (a plan's times lie on one day)."""
    starts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    day_ends = datetime.combine(starts.astimezone(STOCKHOLM).date(), time(23, 59), STOCKHOLM)
    return starts, min(starts + timedelta(hours=1), day_ends.astimezone(UTC))


def test_an_incident_during_the_exam_reaches_the_platform_and_moves_the_close(world: World) -> None:
    occasion, times = world.fresh_unit(*running_window())
    exam = Exam(world, occasion, times)
    exam.plan()
    exam.sync()
    activate_test.fn(occasion)
    with transaction() as session:
        who = registrations.registered(session, occasion_id=occasion)[0]
        code, uid, extra = who.anonymisation_code, who.student_uid, who.extra_time_minutes
        longest = max(r.extra_time_minutes for r in registrations.registered(session, occasion_id=occasion))
    params = ExamIncident(
        occasion_uid=occasion,
        candidate_code=code,
        minutes_lost=longest - extra + 20,  # past everyone's end
        reason="the laptop froze",
        entered_by="staff-invigilator-1",
    )
    said = exam_incident(params)
    assert f"Candidate {code} on {occasion}: {params.minutes_lost} minutes given back" in said
    results, _ = platform_results.registered_results(occasion)
    assert next(r.extra_time_minutes for r in results if r.external_user_id == uid) == longest + 20
    with transaction() as session:
        assert list(exam_day.compensation(session, occasion_id=occasion).values()) == [params.minutes_lost]
    artifact = Artifact.get(artifact_key("exam-incident", occasion, code))
    assert artifact is not None and "the laptop froze" in str(artifact.data)
    with transaction() as session:
        exam_ends = occasions.get(session, occasion).ends_at
    with pytest.raises(RuntimeError, match="run exam-day again after it") as waiting:
        wait_for_deadline.fn(occasion, False)  # ad hoc, a long wait cannot schedule itself: it says when
    assert f"{exam_ends + timedelta(minutes=longest + 20):%Y-%m-%d %H:%M} UTC" in str(waiting.value)
