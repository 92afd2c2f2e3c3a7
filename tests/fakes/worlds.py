"""Small worlds for fast tests, built on `FakeSystems` by the tasks' own functions (no Prefect
engine): an exam planned as `plan-exam` plans it (the coordinator's approval taken as given) and
synced as `registration-sync` syncs it. The caller has pointed examflow at a store and installed
the fakes (`tasks.systems.installed`)."""

from __future__ import annotations

import copy
import csv
import io
from datetime import time
from typing import Any

from models.domain import Country, PlatformTest
from models.fs_transfer import FsCheck
from models.grading import GradingSettings
from models.params import ExamTimes, PlanExam
from simulators.term import TermSpec
from tasks import platform_results
from tasks.committees import form_grading_committees
from tasks.exam_day import activate_test, close_and_open_for_assessment, record_attendance
from tasks.fs_protocol import confirm_protocol, write_protocol
from tasks.fs_transfer import read_back, through_platform, transfer_through_platform
from tasks.grading import approve_grades, import_results
from tasks.planning import check_plan, create_platform_test, fetch_occasion, plan_times, save_plan
from tasks.registration import push_to_platform, sync_from_register
from tasks.transfer import transfer_results
from tests.fakes.systems import FakeSystems

SMALL_TERM = TermSpec(seed=41, course_rounds=4, occasions=4, students=80)


def planned_exam(
    fakes: FakeSystems,
    occasion_uid: str,
    *,
    prefix: str = "EXAM",
    country: Country = Country.SE,
    grading: GradingSettings | None = None,
    synced: bool = True,
) -> str:
    """The occasion planned 09:00-13:00 on its day in the register, its platform test made, and,
    when `synced`, its registrations stored and pushed to the test. A Norwegian exam's occasion is
    moved from the fake Ladok to the fake FS first, its register."""
    if country == Country.NO:
        fakes.move_to_fs(occasion_uid)
    with fakes.register(country=country) as register:
        day = register.get_occasion(occasion_uid).start_date
    times = ExamTimes(exam_date=day, start_time=time(9, 0), end_time=time(13, 0))
    plan(
        PlanExam(
            occasion_uid=occasion_uid,
            times=times,
            code_prefix=prefix,
            country=country,
            grading=grading or GradingSettings(),
        )
    )
    if synced:
        sync_from_register.fn([occasion_uid])
        push_to_platform.fn([occasion_uid])
    return occasion_uid


def plan(params: PlanExam) -> PlatformTest:
    """What `plan-exam` does, its coordinator's approval taken as given: the plan's refusals raise."""
    occasion, rounds = fetch_occasion.fn(params.occasion_uid, params.country)
    window = plan_times.fn(params.times, occasion, rounds)
    save_plan.fn(params, occasion, rounds, window, check_plan.fn(occasion, rounds, window))
    return create_platform_test.fn(params, occasion, window)


def exam_with_export(
    fakes: FakeSystems, occasion_uid: str, export: dict[str, Any], grading: GradingSettings
) -> dict[str, str]:
    """A Norwegian exam planned and synced, its grading committees formed and set on the platform,
    and `export` served as its test's results (an AllResults file whose candidate ids are renamed,
    in order, to those of the test's first candidates). Returns the renaming, file id → test's id."""
    planned_exam(fakes, occasion_uid, prefix="RIM", country=Country.NO, grading=grading)
    form_grading_committees.fn(occasion_uid, True)
    test_id = platform_results.platform_test_id(occasion_uid)
    listed = [c.candidate_id for c in fakes.inspera.list_candidates(test_id)]
    export = copy.deepcopy(export)
    lines = [line["result"] for line in export["ext_inspera_candidates"]]
    renamed = {str(line["ext_inspera_candidateId"]): ours for line, ours in zip(lines, listed, strict=False)}
    for line in lines:
        line["ext_inspera_candidateId"] = int(renamed[str(line["ext_inspera_candidateId"])])
    fakes.load_export(test_id, export)
    return renamed


def graded_exam(
    fakes: FakeSystems, occasion_uid: str, grading: GradingSettings, country: Country = Country.NO
) -> int:
    """An exam (Norwegian unless said) planned and synced, its committees set, held on the platform
    (played as its test opens, the platform's clock then moved past the deadline), its attendance
    recorded, its results imported and the proposed grades approved by the examiner; how many were
    approved."""
    planned_exam(fakes, occasion_uid, prefix="TRF", country=country, grading=grading)
    form_grading_committees.fn(occasion_uid, True)
    test = activate_test.fn(occasion_uid)
    fakes.inspera.clock = lambda: test.ends_at.timestamp() + 3600
    close_and_open_for_assessment.fn(occasion_uid)
    record_attendance.fn(occasion_uid)
    summary = import_results.fn(occasion_uid)
    return approve_grades.fn(occasion_uid, "staff-examiner-1", summary.digest)


def transferred(occasion_uid: str) -> list[str]:
    """The exam's approved grades into its register as `result-transfer` takes them once the planner
    approves: a Norwegian exam's through the platform's once-only transfer to FS, then read back
    from FS by candidate number; a Swedish one's as drafts in Ladok. The candidates (codes) whose
    grade did not land."""
    if through_platform(occasion_uid):
        transfer_through_platform.fn(occasion_uid)
        return [c.candidate for c in read_back.fn(occasion_uid) if c.discrepancy is not None]
    return [f["candidate"] for f in transfer_results.fn(occasion_uid).failed]


def new_grade_into_fs(fakes: FakeSystems, occasion_uid: str, registration_id: int, label: str) -> FsCheck:
    """A Norwegian candidate's approved grade into FS as the appeal flow sends a new one: the
    protocol file written, imported into the fake FS as the exam office would, and FS read back."""
    path = write_protocol.fn(occasion_uid, [registration_id], label, "new grade after appeal")
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8")), delimiter=";"))
    fakes.fs.record_results(occasion_uid, {r["kandidatnummer"]: r["karakter"] for r in rows})
    return confirm_protocol.fn(occasion_uid, registration_id)
