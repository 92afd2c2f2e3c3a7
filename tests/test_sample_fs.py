"""The Norwegian sample exam of `make run COUNTRY=NO` and the demo (`deployments.sample`), seeded in
the FS stand-in over real HTTP on loopback, resolves into what plan-exam and the sync read from FS:
the occasion and its course, the exam's times from the timetable row written beside it, the
registrations with FS's candidate numbers, the granted accommodations and FS's grading deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deployments.sample import (
    FS_COURSE_CODE,
    FS_FIRST_CANDIDATE,
    FS_UNIT,
    TIMETABLE,
    closing_soon,
    fs_longest_extra_time,
    seed_fs_sample,
    this_morning,
)
from integrations.fs_register import FsRegister
from integrations.http import RetryPolicy
from models.params import ExamTimes
from rules.exam_times import STOCKHOLM
from simulators.fs import create_app
from simulators.server import serve_in_thread
from tasks.planning import plan_times
from tests.conftest import examflow_environment

USER, PASSWORD = "api-user", "s3cret"
STUDENTS = 20
NOW = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)


@pytest.fixture
def fs(tmp_path: Path) -> Iterator[tuple[FsRegister, int]]:
    """The sample seeded in a fresh FS stand-in, its uploads in `tmp_path`; the client and how
    many candidates the seeding said FS granted extra time."""
    with serve_in_thread(create_app(tmp_path / "fs.db", users={USER: PASSWORD})) as url:
        granted = seed_fs_sample(url, tmp_path / "uploads", STUDENTS, this_morning(NOW))
        retry = RetryPolicy(attempts=1, sleep=lambda _: None)
        with FsRegister(f"{url}/", user=USER, password=PASSWORD, owner="186", retry=retry) as client:
            yield client, granted


def test_the_plan_resolves_from_fs_and_the_timetable(fs: tuple[FsRegister, int], tmp_path: Path) -> None:
    register, _ = fs
    occasion = register.get_occasion(FS_UNIT)
    rounds = [register.get_course_round(uid) for uid in occasion.course_round_uids]
    assert occasion.start_date == NOW.astimezone(STOCKHOLM).date()
    assert [r.code for r in rounds] == [FS_COURSE_CODE]
    with examflow_environment({"EXAMFLOW_HOME": str(tmp_path)}):
        window = plan_times.fn(ExamTimes(timetable=TIMETABLE), occasion, rounds)
    assert window.starts_at.astimezone(STOCKHOLM).date() == occasion.start_date
    assert window.ends_at <= NOW  # held this morning: exam day can close it at once


def test_the_sync_reads_fss_candidate_numbers_accommodations_and_grading_deadline(
    fs: tuple[FsRegister, int],
) -> None:
    register, granted = fs
    registered = register.registered_many([FS_UNIT])[FS_UNIT]
    assert len(registered) == STUDENTS
    assert {r.anonymisation_code for r in registered} == {
        str(FS_FIRST_CANDIDATE + n) for n in range(STUDENTS)
    }
    accommodations = register.accommodations(FS_UNIT)
    assert len(accommodations) == granted > 0
    assert all(a.extra_time_minutes > 0 for a in accommodations)
    assert max(a.extra_time_minutes for a in accommodations) == fs_longest_extra_time(STUDENTS) == 60
    assert sum(a.separate_room for a in accommodations) == 1
    information = register.grading_information(FS_UNIT)
    assert information is not None and information.grading_deadline is not None
    assert information.grading_deadline.date() > NOW.date()


@pytest.mark.parametrize(
    "now",
    [NOW, datetime(2026, 12, 3, 1, 10, 20, tzinfo=UTC)],  # ends 01:12 in Stockholm: 72 minutes long
)
def test_the_demos_window_closes_for_the_longest_extra_time_soon_after_now(now: datetime) -> None:
    starts, ends = closing_soon(60, 90, now)
    deadline = ends + timedelta(minutes=60)
    assert now + timedelta(seconds=90) <= deadline < now + timedelta(seconds=150)
    assert ends.second == 0 and timedelta(minutes=30) <= ends - starts <= timedelta(hours=2)
    assert starts.astimezone(STOCKHOLM).date() == ends.astimezone(STOCKHOLM).date()


def test_the_demos_window_is_refused_when_it_would_begin_the_day_before() -> None:
    with pytest.raises(RuntimeError, match="begun the day before"):
        closing_soon(60, 90, datetime(2026, 12, 2, 23, 59, tzinfo=UTC))  # it would end 00:01 in Stockholm
