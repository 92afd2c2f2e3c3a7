"""The planning's branches, fast: the plan-exam tasks' functions on the fakes (the coordinator's
approval taken as given) and a SQLite store. A plan without a time, with times outside the
register's dates, or with a timetable lacking the occasion's row is refused naming why, with
nothing written in the store or on the platform; a timetable's row gives the plan and the platform's
test their times; the occasion's dates moved in the register move what a plan may choose; a
register that is down fails the plan with nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from integrations.http import Unavailable
from models.params import ExamTimes, PlanExam
from models.settings import get_settings
from rules.exam_times import STOCKHOLM
from store.db import transaction
from store.schema import Occasion
from tasks.planning import PlanRefused
from tests.fakes import FakeSystems
from tests.fakes.worlds import plan


def an_occasion(fakes: FakeSystems) -> tuple[str, date, str]:
    """An occasion of the term: its uid, its day and its course code."""
    occasion = next(iter(fakes.ladok.occasions.values()))
    return occasion.uid, occasion.start_date, fakes.ladok.course_rounds[occasion.course_round_uids[0]].code


def nothing_planned(fakes: FakeSystems, occasion: str) -> bool:
    with transaction() as session:
        stored = session.get(Occasion, occasion)
    return stored is None and fakes.inspera.find_test(occasion) is None


def uploaded(name: str, text: str) -> str:
    """A file left in examflow's uploads folder, as a coordinator leaves one; its name."""
    folder = get_settings().home / "uploads"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return name


def test_a_plan_without_a_time_is_refused_naming_what_is_missing(fakes: FakeSystems) -> None:
    occasion, day, code = an_occasion(fakes)
    with pytest.raises(PlanRefused) as refused:
        plan(PlanExam(occasion_uid=occasion))
    assert str(refused.value) == (
        f"occasion {occasion}: the plan has no exam date, no start time, no end time: fill in the plan's "
        f"times, or give a timetable with a row for {code} on {day}"
    )
    assert nothing_planned(fakes, occasion)


def test_times_outside_the_registers_dates_are_refused_until_the_register_moves_them(
    fakes: FakeSystems,
) -> None:
    occasion, day, _ = an_occasion(fakes)
    later = day + timedelta(days=1)
    times = ExamTimes(exam_date=later, start_time=time(9), end_time=time(13))
    with pytest.raises(PlanRefused) as refused:
        plan(PlanExam(occasion_uid=occasion, times=times))
    assert str(refused.value) == (
        f"time_window: the exam's day {later} is outside the occasion's dates in the register ({day})"
    )
    assert nothing_planned(fakes, occasion)
    fakes.move_occasion(occasion, later)
    assert plan(PlanExam(occasion_uid=occasion, times=times)).external_id == occasion


def test_a_timetable_without_the_occasions_row_leaves_the_plan_without_times(fakes: FakeSystems) -> None:
    occasion, day, code = an_occasion(fakes)
    name = uploaded("timetable-other.csv", f"course_code,date,start,end\nXYZ999,{day},09:00,13:00\n")
    with pytest.raises(PlanRefused) as refused:
        plan(PlanExam(occasion_uid=occasion, times=ExamTimes(timetable=name)))
    assert str(refused.value).endswith(
        f"or give a timetable with a row for {code} on {day} ({name} has none)"
    )
    assert nothing_planned(fakes, occasion)


def test_the_timetable_gives_the_plan_and_the_platforms_test_their_times(fakes: FakeSystems) -> None:
    occasion, day, code = an_occasion(fakes)
    name = uploaded("timetable.csv", f"course_code,date,start,end,duration\n{code},{day},09:15,13:15,200\n")
    test = plan(PlanExam(occasion_uid=occasion, times=ExamTimes(timetable=name), code_prefix="TT"))
    starts = datetime.combine(day, time(9, 15), STOCKHOLM).astimezone(UTC)
    with transaction() as session:
        row = session.get(Occasion, occasion)
        assert row is not None
        assert (row.starts_at, row.ends_at, row.duration_minutes) == (
            starts,
            starts + timedelta(hours=4),
            200,
        )
    assert (test.starts_at, test.ends_at) == (starts, starts + timedelta(hours=4))
    assert fakes.inspera.get_test(test.test_id) == test


def test_a_register_that_is_down_fails_the_plan_with_nothing_written(fakes: FakeSystems) -> None:
    occasion, day, _ = an_occasion(fakes)
    fakes.unavailable("ladok", calls=1)
    times = ExamTimes(exam_date=day, start_time=time(9), end_time=time(13))
    with pytest.raises(Unavailable, match="ladok"):
        plan(PlanExam(occasion_uid=occasion, times=times))
    assert nothing_planned(fakes, occasion)
