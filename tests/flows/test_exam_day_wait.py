"""Exam day waits for the deadline (the end time plus the longest extra time): short waits in
process, long ones by scheduling the flow again at the deadline, which needs a deployment."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from store.db import transaction
from tasks.exam_day import wait_for_deadline
from tests.factories import a_registration, a_student, an_occasion
from tests.flows.conftest import World


def _occasion(uid: str, ends_at: datetime, extra_minutes: int = 0) -> str:
    now = datetime.now(UTC)
    with transaction() as session:
        session.add(
            an_occasion(
                uid,
                exam_type="digital_school",
                starts_at=ends_at - timedelta(hours=2),
                ends_at=ends_at,
                duration_minutes=120,
                code_prefix="W",
                status="active",
                updated_at=now,
            )
        )
        session.add(a_student(f"{uid}-s"))
        session.flush()
        session.add(
            a_registration(f"{uid}-s", "W-0001-AAA", uid, extra_time_minutes=extra_minutes, updated_at=now)
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
