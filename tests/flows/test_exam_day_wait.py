"""Exam day waits for the deadline (the end time plus the longest extra time): short waits in
process, long ones by scheduling the flow again at the deadline, which needs a deployment."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from store.db import transaction
from store.schema import Occasion, Registration, Student
from tasks.exam_day import wait_for_deadline
from tests.flows.conftest import World


def _occasion(uid: str, ends_at: datetime, extra_minutes: int = 0) -> str:
    now = datetime.now(UTC)
    with transaction() as session:
        session.add(
            Occasion(
                id=uid,
                name=uid,
                country="SE",
                exam_type="digital_school",
                starts_at=ends_at - timedelta(hours=2),
                ends_at=ends_at,
                duration_minutes=120,
                scale="A-F",
                register_scale_id=131657,
                credits=7.5,
                code_prefix="W",
                platform_test_id=None,
                status="active",
                updated_at=now,
            )
        )
        session.add(Student(uid=f"{uid}-s", first_name="A", last_name="B", national_id=None, email=None))
        session.flush()
        session.add(
            Registration(
                occasion_id=uid,
                student_uid=f"{uid}-s",
                study_result_uid="sr",
                course_round_uid="cr",
                module_uid="m",
                anonymisation_code="W-0001-AAA",
                status="registered",
                extra_time_minutes=extra_minutes,
                updated_at=now,
            )
        )
    return uid


def test_a_passed_deadline_is_reached_at_once(world: World):
    uid = _occasion("wait-past", datetime.now(UTC) - timedelta(minutes=1))
    assert wait_for_deadline.fn(uid, chain=False) == "reached"


def test_a_short_wait_sleeps_until_the_deadline(world: World):
    uid = _occasion("wait-short", datetime.now(UTC) + timedelta(seconds=1.5))
    started = time.monotonic()
    assert wait_for_deadline.fn(uid, chain=False) == "reached"
    assert time.monotonic() - started >= 1.0


def test_extra_time_moves_the_deadline_and_a_long_wait_needs_a_deployment(world: World):
    ended = datetime.now(UTC) - timedelta(minutes=10)
    uid = _occasion("wait-extra", ended, extra_minutes=60)
    with pytest.raises(RuntimeError, match="run exam-day again after it") as refused:
        wait_for_deadline.fn(uid, chain=False)
    assert f"{(ended + timedelta(minutes=60)):%Y-%m-%d %H:%M}" in str(refused.value)
