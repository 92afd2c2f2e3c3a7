"""Small worlds for fast tests, built on `FakeSystems` by the tasks' own functions (no Prefect
engine): an exam planned as `plan-exam` plans it (the coordinator's approval taken as given) and
synced as `registration-sync` syncs it. The caller has pointed examflow at a store and installed
the fakes (`tasks.systems.installed`)."""

from __future__ import annotations

from datetime import time

from models.domain import Country
from models.params import ExamTimes, PlanExam
from simulators.term import TermSpec
from tasks.planning import check_plan, create_platform_test, fetch_occasion, plan_times, save_plan
from tasks.registration import push_to_platform, sync_from_register
from tests.fakes.systems import FakeSystems

SMALL_TERM = TermSpec(seed=41, course_rounds=4, occasions=4, students=80)


def planned_exam(
    fakes: FakeSystems,
    occasion_uid: str,
    *,
    prefix: str = "EXAM",
    country: Country = Country.SE,
    synced: bool = True,
) -> str:
    """The occasion planned 09:00-13:00 on its day in the register, its platform test made, and,
    when `synced`, its registrations stored and pushed to the test."""
    day = fakes.ladok.occasions[occasion_uid].start_date
    times = ExamTimes(exam_date=day, start_time=time(9, 0), end_time=time(13, 0))
    params = PlanExam(occasion_uid=occasion_uid, times=times, code_prefix=prefix, country=country)
    occasion, rounds = fetch_occasion.fn(occasion_uid)
    window = plan_times.fn(params.times, occasion, rounds)
    save_plan.fn(params, occasion, rounds, window, check_plan.fn(occasion, rounds, window))
    create_platform_test.fn(params, occasion, window)
    if synced:
        sync_from_register.fn([occasion_uid])
        push_to_platform.fn([occasion_uid])
    return occasion_uid
