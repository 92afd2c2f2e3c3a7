"""The Norwegian sample exam of `make run COUNTRY=NO` and the demo (`deployments.sample`), seeded in
the FS stand-in over real HTTP on loopback, resolves into what plan-exam and the sync read from FS:
the occasion and its course, the exam's times from the timetable row written beside it, the
registrations with FS's candidate numbers, the granted accommodations and FS's grading deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deployments.sample import FS_COURSE_CODE, FS_FIRST_CANDIDATE, FS_UNIT, TIMETABLE, seed_fs_sample
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
        granted = seed_fs_sample(url, tmp_path / "uploads", STUDENTS, now=NOW)
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
    assert sum(a.separate_room for a in accommodations) == 1
    information = register.grading_information(FS_UNIT)
    assert information is not None and information.grading_deadline is not None
    assert information.grading_deadline.date() > NOW.date()
