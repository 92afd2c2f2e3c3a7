"""Exam day as it happens, on the fakes: an incident's minutes given back on the platform,
recorded and audited once however often the run replays, and the close's deadline moved by them;
a support decision on the day on the platform at once; scanned sketches attached to submissions
and archived with the papers; the roll reconciled with the submissions. Each refusal names what
is wrong and writes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from integrations.http import Unavailable
from models.domain import PlatformTest
from models.exam_day import AttendanceRoll, DayAccommodation, ExamIncident, ExamSketches
from models.grading import GradingSettings
from models.params import AccommodationEntry, Accommodations
from rules.exam_day import NO_SHOW_WITH_EXTRA_TIME, PRESENT_WITHOUT_SUBMISSION, SUBMISSION_MARKED_ABSENT
from store import exam_day, locks, registrations
from store.db import transaction
from store.schema import AuditEvent, ExamDayEvent, Registration
from tasks import day_accommodation, incidents, platform_results, sketches
from tasks import exam_day as exam_day_tasks
from tasks.accommodations import import_accommodations
from tasks.archive import archive_exam
from tasks.attendance_roll import reconcile_attendance
from tasks.day_accommodation import check_day_accommodation, read_back_extra_time, record_day_decision
from tasks.exam_day import activate_test, wait_for_deadline
from tasks.incidents import grant_incident_time
from tasks.on_the_day import ExamDayRefused
from tasks.registration import push_to_platform, sync_from_register
from tasks.sketches import attach_sketches
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam, planned_exam

PDF = b"%PDF-1.4\n% a scanned sketch\n%%EOF\n"
INVIGILATOR = "staff-invigilator-1"


def an_occasion(fakes: FakeSystems) -> str:
    return max(fakes.ladok.occasions, key=lambda uid: len(fakes.ladok.registered_many([uid])[uid]))


def during(fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """examflow's clock and the platform's at `moment`."""
    for module in (incidents, exam_day_tasks, sketches, day_accommodation):
        monkeypatch.setattr(module, "now", lambda: moment)
    fakes.inspera.clock = moment.timestamp


def an_active_exam(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, PlatformTest, list[Registration]]:
    """The exam planned, synced and activated (played as it opens), the clocks an hour into it."""
    occasion = planned_exam(fakes, an_occasion(fakes))
    test = activate_test.fn(occasion)
    during(fakes, monkeypatch, test.starts_at + timedelta(hours=1))
    with transaction() as session:
        held = registrations.registered(session, occasion_id=occasion)
        session.expunge_all()
    return occasion, test, held


def incident(occasion: str, code: str, minutes: int = 10, by: str = INVIGILATOR) -> ExamIncident:
    return ExamIncident(
        occasion_uid=occasion,
        candidate_code=code,
        minutes_lost=minutes,
        reason="the laptop froze",
        entered_by=by,
    )


def audited(action: str) -> int:
    with transaction() as session:
        return int(session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


def events() -> int:
    with transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ExamDayEvent)) or 0)


# -- incidents --------------------------------------------------------------------------------------


def test_an_incident_gives_minutes_back_once_however_often_it_replays(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    who = held[0]
    granted = grant_incident_time.fn(incident(occasion, who.anonymisation_code), "run-1")
    again = grant_incident_time.fn(incident(occasion, who.anonymisation_code), "run-1")  # a retry
    later = grant_incident_time.fn(incident(occasion, who.anonymisation_code, 5), "run-2")
    assert (granted.incident_minutes, again.incident_minutes, later.incident_minutes) == (10, 10, 15)
    assert later.ends_at == test.ends_at + timedelta(minutes=who.extra_time_minutes + 15)
    assert fakes.inspera.tests[test.test_id].incident == {who.student_uid: 15}
    with transaction() as session:
        assert exam_day.compensation(session, occasion_id=occasion) == {who.id: 15}
    assert (events(), audited("exam.incident")) == (2, 2)
    export = fakes.inspera.export_results(test.test_id)
    line = next(
        c
        for c in export.candidates
        if c.candidate_id == fakes.inspera.tests[test.test_id].candidates[who.student_uid].candidate_id
    )
    assert line.extra_time_minutes == who.extra_time_minutes + 15


def test_the_close_waits_for_the_latest_end_incidents_included(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    scheduled: list[datetime] = []
    monkeypatch.setattr(
        exam_day_tasks, "_schedule_continuation", lambda _, deadline, __: scheduled.append(deadline)
    )
    longest = max(r.extra_time_minutes for r in held)
    wait_for_deadline.fn(occasion, False)
    grant_incident_time.fn(
        incident(occasion, max(held, key=lambda r: r.extra_time_minutes).anonymisation_code, 20), "run-1"
    )
    wait_for_deadline.fn(occasion, False)
    assert scheduled == [
        test.ends_at + timedelta(minutes=longest),
        test.ends_at + timedelta(minutes=longest + 20),
    ]


def test_a_wait_in_process_reads_the_deadline_again_and_waits_for_an_incident_reported_meanwhile(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exam-day sleeps through the last minutes before the deadline; an incident of the candidate
    with the longest extra time, reported while it sleeps, keeps it waiting for the new end."""
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    who = max(held, key=lambda r: r.extra_time_minutes)
    deadline = test.ends_at + timedelta(minutes=who.extra_time_minutes)
    clock = [deadline - timedelta(seconds=12)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # time passes as the task sleeps; the incident comes at once
        slept.append(seconds)
        if len(slept) == 1:
            grant_incident_time.fn(incident(occasion, who.anonymisation_code, 1), "run-1")
        clock[0] += timedelta(seconds=seconds)

    for module in (incidents, exam_day_tasks):
        monkeypatch.setattr(module, "now", lambda: clock[0])
    fakes.inspera.clock = lambda: clock[0].timestamp()
    monkeypatch.setattr(exam_day_tasks.time, "sleep", sleep)
    assert wait_for_deadline.fn(occasion, False) == "reached"
    assert clock[0] >= deadline + timedelta(minutes=1)  # not closed at the old deadline
    assert sum(slept) == pytest.approx(72)
    assert max(slept) == exam_day_tasks.RECHECK.total_seconds()


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (dict(candidate_code="NOSUCH"), "no candidate with anonymisation code 'NOSUCH'"),
        (dict(entered_by="staff-grader-1"), "'staff-grader-1' holds no role of invigilator or coordinator"),
    ],
)
def test_a_wrong_incident_is_refused_naming_it_and_nothing_is_written(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, change: dict[str, str], refused: str
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    params = incident(occasion, held[0].anonymisation_code).model_copy(update=change)
    with pytest.raises(ExamDayRefused, match=refused):
        grant_incident_time.fn(params, "run-1")
    assert (events(), audited("exam.incident"), fakes.inspera.tests[test.test_id].incident) == (0, 0, {})


def test_an_incident_after_the_candidates_end_or_before_the_exam_is_refused(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion = planned_exam(fakes, an_occasion(fakes))
    with transaction() as session:
        who = registrations.registered(session, occasion_id=occasion)[0]
        code, extra = who.anonymisation_code, who.extra_time_minutes
    with pytest.raises(ExamDayRefused, match=f"exam {occasion} is planned, not active"):
        grant_incident_time.fn(incident(occasion, code), "run-1")
    test = activate_test.fn(occasion)
    during(fakes, monkeypatch, test.ends_at + timedelta(minutes=extra))
    with pytest.raises(ExamDayRefused, match=f"candidate {code}'s time on {occasion} ended at"):
        grant_incident_time.fn(incident(occasion, code), "run-1")
    assert (events(), fakes.inspera.tests[test.test_id].incident) == (0, {})


def test_an_incident_waits_for_another_of_the_same_candidate_and_says_so_when_it_does_not_end(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    code = held[0].anonymisation_code
    with transaction() as session:
        locks.acquire(
            session,
            name=f"incident:{occasion}:{code}",
            holder="run-0",
            now=incidents.now(),
            ttl=incidents.LEASE,
        )
    slept: list[float] = []
    monkeypatch.setattr(incidents.time, "sleep", slept.append)
    with pytest.raises(
        ExamDayRefused, match=f"another incident of candidate {code} on {occasion} is being given"
    ):
        grant_incident_time.fn(incident(occasion, code), "run-1")
    assert (len(slept), events(), fakes.inspera.tests[test.test_id].incident) == (
        incidents.LEASE_WAIT_SECONDS,
        0,
        {},
    )
    with transaction() as session:
        locks.release(session, name=f"incident:{occasion}:{code}", holder="run-0")
    assert grant_incident_time.fn(incident(occasion, code), "run-1").incident_minutes == 10


def test_a_platform_that_is_down_records_no_incident(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    fakes.unavailable("inspera")
    with pytest.raises(Unavailable):
        grant_incident_time.fn(incident(occasion, held[0].anonymisation_code), "run-1")
    assert (events(), audited("exam.incident")) == (0, 0)
    assert (
        grant_incident_time.fn(incident(occasion, held[0].anonymisation_code), "run-1").incident_minutes == 10
    )


# -- a support decision on the day --------------------------------------------------------------


def test_a_decision_on_the_day_reaches_the_platform_at_once_beside_the_decisions_held(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    who = next(r for r in held if r.extra_time_minutes == 0)
    day = test.starts_at.date()
    earlier = AccommodationEntry(
        student_uid=who.student_uid,
        extra_time_minutes=20,
        separate_room=True,
        valid_from=day - timedelta(days=30),
        valid_to=day + timedelta(days=300),
    )
    import_accommodations.fn(Accommodations(decisions=[earlier], entered_by="staff-coordinator-1"))
    today = earlier.model_copy(
        update={"extra_time_minutes": 45, "separate_room": False, "valid_from": day, "valid_to": day}
    )
    params = DayAccommodation(occasion_uid=occasion, decision=today, entered_by="staff-coordinator-1")
    assert read_back_extra_time.fn(occasion, who.student_uid) == 0  # not synced since
    check_day_accommodation.fn(params)  # the flow's steps, in its order
    record_day_decision.fn(params)
    sync_from_register.fn([occasion])
    push_to_platform.fn([occasion])
    assert read_back_extra_time.fn(occasion, who.student_uid) == 45
    with transaction() as session:
        now_held = session.get(Registration, who.id)
        assert now_held is not None and (now_held.extra_time_minutes, now_held.separate_room) == (45, True)
    assert audited("accommodations.exam_day") == 1


@pytest.mark.parametrize(
    ("student", "by", "refused"),
    [
        ("nobody", "staff-coordinator-1", "student nobody is not registered on {occasion}"),
        (None, INVIGILATOR, "'staff-invigilator-1' holds no role of coordinator for {occasion}"),
    ],
)
def test_a_decision_on_the_day_is_refused_for_a_student_not_on_the_exam_or_by_a_non_coordinator(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, student: str | None, by: str, refused: str
) -> None:
    occasion, _, held = an_active_exam(fakes, monkeypatch)
    entry = AccommodationEntry(
        student_uid=student or held[0].student_uid, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)
    )
    with pytest.raises(ExamDayRefused, match=refused.format(occasion=occasion)):
        check_day_accommodation.fn(DayAccommodation(occasion_uid=occasion, decision=entry, entered_by=by))


# -- scanned sketches ---------------------------------------------------------------------------


def a_folder(home: Path, files: dict[str, bytes]) -> str:
    folder = home / "uploads" / "sketches-1"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder.name


def test_sketches_are_attached_recorded_and_archived_with_the_papers(
    fakes: FakeSystems, tmp_path: Path
) -> None:
    occasion = an_occasion(fakes)
    graded_exam(fakes, occasion, GradingSettings())
    with transaction() as session:
        codes = [r.anonymisation_code for r in registrations.registered(session, occasion_id=occasion)][:2]
    files = {f"{codes[0]}.pdf": PDF, f"{codes[1]}.pdf": PDF + b"% two\n"}
    params = ExamSketches(occasion_uid=occasion, folder=a_folder(tmp_path, files), entered_by=INVIGILATOR)
    assert attach_sketches.fn(params).codes == sorted(codes)
    attach_sketches.fn(params)  # again: the same files, nothing new
    test_id = platform_results.platform_test_id(occasion)
    assert sorted(a.name for a in fakes.inspera.attachments(test_id)) == sorted(
        f"sketch-{c}.pdf" for c in codes
    )
    assert (events(), audited("exam.sketches_attached")) == (2, 2)
    summary = archive_exam.fn(occasion)
    filed = {d.title: d for d in fakes.noark.documents(summary.case_id)}
    assert sketches.archive_name(codes[0], PDF) in filed
    assert (
        fakes.noark.download(filed[sketches.archive_name(codes[1], PDF + b"% two\n")].document_id)
        == PDF + b"% two\n"
    )


@pytest.mark.parametrize(
    ("files", "refused"),
    [
        ({"notes.txt": b"x"}, "notes.txt: not a .pdf"),
        ({"NOBODY.pdf": PDF}, "NOBODY.pdf: no candidate with code NOBODY"),
        ({"{code}.pdf": b"GIF89a"}, "{code}.pdf: not a PDF file"),
    ],
)
def test_a_bad_folder_of_sketches_is_refused_whole_and_nothing_is_attached(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, files: dict[str, bytes], refused: str
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    code = held[0].anonymisation_code
    good = {f"{held[1].anonymisation_code}.pdf": PDF}
    folder = a_folder(tmp_path, good | {name.format(code=code): content for name, content in files.items()})
    with pytest.raises(ExamDayRefused, match=refused.format(code=code)):
        attach_sketches.fn(ExamSketches(occasion_uid=occasion, folder=folder, entered_by=INVIGILATOR))
    assert (fakes.inspera.attachments(test.test_id), events()) == ([], 0)


def test_a_sketch_larger_than_20_mb_is_refused_unread(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    name = f"{held[0].anonymisation_code}.pdf"
    folder = a_folder(tmp_path, {name: PDF})
    with (tmp_path / "uploads" / folder / name).open("r+b") as file:
        file.truncate(sketches.MAX_SKETCH_BYTES + 1)  # sparse: nothing of it is written or read
    with pytest.raises(ExamDayRefused, match=f"{name}: larger than 20 MB"):
        attach_sketches.fn(ExamSketches(occasion_uid=occasion, folder=folder, entered_by=INVIGILATOR))
    assert fakes.inspera.attachments(test.test_id) == []


# -- the roll -------------------------------------------------------------------------------------


def test_the_roll_lists_every_mismatch_with_the_platform(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, test, held = an_active_exam(fakes, monkeypatch)
    fakes.inspera.play(test.test_id, seed=3, absent_rate=0.3, incident_rate=0)
    results, _ = platform_results.registered_results(occasion)
    code = {r.student_uid: r.anonymisation_code for r in held}
    submitted = sorted(code[r.external_user_id] for r in results if r.attended)
    absent = sorted(code[r.external_user_id] for r in results if not r.attended)
    grant_incident_time.fn(incident(occasion, absent[1]), "run-1")  # time given to a no-show
    roll = [f" {submitted[0]} "] + absent[
        1:
    ]  # a submitter marked absent (typed with spaces); absent[0] present
    report = reconcile_attendance.fn(
        AttendanceRoll(occasion_uid=occasion, absent_codes=roll, entered_by=INVIGILATOR)
    )
    assert [(m.candidate_code, m.kind) for m in report.mismatches] == sorted(
        [
            (absent[0], PRESENT_WITHOUT_SUBMISSION),
            (submitted[0], SUBMISSION_MARKED_ABSENT),
            (absent[1], NO_SHOW_WITH_EXTRA_TIME),
        ]
    )
    assert (report.candidates, report.submitted, audited("exam.roll_reconciled")) == (
        len(held),
        len(submitted),
        1,
    )


def test_a_roll_naming_a_code_not_on_the_exam_is_refused(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion, _, _ = an_active_exam(fakes, monkeypatch)
    with pytest.raises(ExamDayRefused, match=f"roll of {occasion}: .* not on this exam: ZZ9"):
        reconcile_attendance.fn(
            AttendanceRoll(occasion_uid=occasion, absent_codes=["ZZ9"], entered_by=INVIGILATOR)
        )
    assert audited("exam.roll_reconciled") == 0
