"""pre-exam-check's branches, fast: its tasks' functions on the fakes and a SQLite store, on an exam
planned and synced as plan-exam and registration-sync leave it. No difference when all agree; each
kind of difference listed with the fix that puts it right (a candidate missing or too many on the
platform, their extra time, code or room, a registration made or withdrawn in the register, a
support decision changed since the sync, the security settings); an empty test with registrations
in the register is an alarm mailed to the coordinator; the fixes pushed leave a clean re-check, and
pushed again change nothing."""

from __future__ import annotations

import email
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from models.domain import PlatformCandidate
from models.precheck import Fix, PreCheck
from models.security import ExamSecurity
from models.settings import get_settings
from store import accommodations, occasions, registrations, seating
from store.db import transaction
from store.schema import AuditEvent
from tasks import platform_results
from tasks.precheck import check_before_exam, push_fixes, schedule_checks, sound_alarm, still_due
from tests.fakes import FakeSystems
from tests.fakes.worlds import planned_exam


@pytest.fixture
def exam(fakes: FakeSystems) -> str:
    return planned_exam(fakes, next(iter(fakes.ladok.occasions)), prefix="PRE")


def platform_test(occasion: str) -> str:
    return platform_results.platform_test_id(occasion)


def listed(fakes: FakeSystems, occasion: str) -> dict[str, PlatformCandidate]:
    return {c.external_user_id: c for c in fakes.inspera.list_candidates(platform_test(occasion))}


def rows(check: PreCheck) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (d.candidate, d.what, d.platform_says, d.ours_says, d.register_says, d.action.value)
        for d in check.differences
    ]


def registered(occasion: str) -> dict[str, str]:
    """Student uid → code, as our store holds the registrations."""
    with transaction() as session:
        return {
            r.student_uid: r.anonymisation_code
            for r in registrations.registered(session, occasion_id=occasion)
        }


def test_a_platform_that_agrees_with_the_store_and_the_register_shows_no_difference(
    fakes: FakeSystems, exam: str
) -> None:
    check = check_before_exam.fn(exam)
    assert check.differences == [] and check.alarm == ""
    assert check.on_platform == check.in_store == check.in_register == len(registered(exam)) > 0


def test_a_candidate_missing_from_the_platform_and_a_stranger_on_it_are_listed(
    fakes: FakeSystems, exam: str
) -> None:
    uid, code = next(iter(registered(exam).items()))
    fakes.inspera.remove_candidates(platform_test(exam), [uid])
    fakes.inspera.add_candidates(
        platform_test(exam), [PlatformCandidate(external_user_id="stranger", candidate_code="ZZ-9")]
    )
    assert rows(check_before_exam.fn(exam)) == [
        (code, "candidate", "not a candidate", "registered", "registered", "push"),
        ("ZZ-9", "candidate", "a candidate", "not registered", "not registered", "push"),
    ]


def test_extra_time_and_code_changed_on_the_platform_are_listed(fakes: FakeSystems, exam: str) -> None:
    (uid, code), (other, other_code) = list(registered(exam).items())[:2]
    held = listed(fakes, exam)
    fakes.inspera.add_candidates(
        platform_test(exam),
        [
            held[uid].model_copy(update={"extra_time_minutes": 45}),
            held[other].model_copy(update={"candidate_code": "WRONG-1"}),
        ],
    )
    check = check_before_exam.fn(exam)
    assert rows(check) == sorted(
        [
            (code, "extra time", "45 min", "0 min", "0 min", "push"),
            (other_code, "code", "WRONG-1", other_code, "—", "push"),
        ]
    )
    assert {d.fix for d in check.differences} == {
        "set 0 minutes on the platform",
        f"set the code {other_code} on the platform",
    }


def test_a_registration_made_or_withdrawn_in_the_register_since_the_sync_is_listed(
    fakes: FakeSystems, exam: str
) -> None:
    gone, gone_code = next(iter(registered(exam).items()))
    fakes.deregister_student(exam, gone)
    new_code = fakes.register_student(exam, "student-new-1", first_name="Ny", last_name="Student")
    check = check_before_exam.fn(exam)
    assert rows(check) == sorted(
        [
            (gone_code, "registration", "a candidate", "registered", "withdrawn", "sync"),
            (
                new_code or "(none yet)",
                "registration",
                "not a candidate",
                "not registered",
                "registered",
                "sync",
            ),
        ]
    )


def test_a_support_decision_changed_since_the_sync_is_listed_as_extra_time_to_sync(
    fakes: FakeSystems, exam: str
) -> None:
    uid, code = next(iter(registered(exam).items()))
    with transaction() as session:
        day = occasions.get(session, exam).starts_at.date()
        accommodations.replace(
            session,
            [
                {
                    "student_uid": uid,
                    "granted": True,
                    "extra_time_minutes": 60,
                    "separate_room": False,
                    "equipment": "",
                    "valid_from": day - timedelta(days=30),
                    "valid_to": day + timedelta(days=30),
                }
            ],
            source="test",
            entered_by="staff-coordinator-1",
        )
    check = check_before_exam.fn(exam)
    assert rows(check) == [(code, "extra time", "0 min", "0 min", "60 min", "sync")]
    assert check.differences[0].fix == "sync from the register, then set 60 minutes on the platform"


def seat_everyone(exam: str) -> None:
    """A seating plan putting every candidate in room Q21 of the main building."""
    with transaction() as session:
        occasion = occasions.get(session, exam)
        room = dict(
            code="Q21", building="Main building", seats=200, power_seats=200, separate_room=False, loan_pcs=0
        )
        seating.replace_rooms(session, [room], source="rooms.csv")
        ids = seating.registration_ids(session, occasion_id=exam)
        seating.save_plan(
            session,
            occasion_id=exam,
            starts=occasion.starts_at,
            ends=occasion.ends_at,
            plan=seating.PlanRows(
                rooms=["Q21"],
                seats=[(rid, "Q21", n, True) for n, rid in enumerate(ids.values(), start=1)],
                loan_pcs=[],
                duties=[],
            ),
            decided_by="staff-coordinator-1",
        )


def test_a_room_of_the_seating_plan_missing_on_the_platform_is_listed(fakes: FakeSystems, exam: str) -> None:
    seat_everyone(exam)
    check = check_before_exam.fn(exam)
    assert {(d.what, d.platform_says, d.ours_says, d.register_says, d.action) for d in check.differences} == {
        ("room", "no room", "Main building, Q21", "(holds no rooms)", Fix.PUSH)
    }
    assert len(check.differences) == len(registered(exam))
    assert check.differences[0].fix == "set the room Main building, Q21 on the platform"


def test_security_settings_the_platform_lost_or_changed_are_listed_by_name_never_by_value(
    fakes: FakeSystems, exam: str
) -> None:
    fakes.inspera.set_security_options(platform_test(exam), ExamSecurity(lockdown_browser=False))
    assert rows(check_before_exam.fn(exam)) == [
        ("(the exam)", "lockdown browser", "lockdown browser off", "lockdown browser on", "—", "security")
    ]
    fakes.inspera.set_security_options(
        platform_test(exam),
        ExamSecurity(
            lockdown_browser=True, start_password=SecretStr("abc12345"), quit_password=SecretStr("x1")
        ),
    )
    check = check_before_exam.fn(exam)
    assert rows(check) == [
        ("(the exam)", "start password", "another", "set (held encrypted)", "—", "security"),
        ("(the exam)", "quit password", "another", "set (held encrypted)", "—", "security"),
    ]
    assert "abc12345" not in check.model_dump_json()


def test_an_empty_test_with_registrations_in_the_register_is_an_alarm_mailed_to_the_coordinator(
    fakes: FakeSystems, exam: str
) -> None:
    fakes.inspera.remove_candidates(platform_test(exam), list(registered(exam)))
    check = check_before_exam.fn(exam)
    assert check.on_platform == 0 and check.in_register > 0
    assert check.alarm.startswith(
        f"ALARM: platform test {platform_test(exam)} of exam {exam} has no candidates"
    )
    message = sound_alarm.fn(check, "T-1h")
    assert message.endswith("Mailed to staff-coordinator-1.")
    mails = [email.message_from_bytes(p.read_bytes()) for p in get_settings().outbox_dir.glob("*.eml")]
    alarms = [m for m in mails if m["Subject"].startswith("ALARM: no candidates on the platform")]
    assert [m["To"] for m in alarms] == ["staff-coordinator-1@examflow.local"]
    assert check.alarm in alarms[0].get_payload(decode=True).decode()
    with transaction() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.occasion_id == exam)).all()
    assert "precheck.alarm" in actions


def test_an_exam_nobody_registered_for_is_no_alarm(fakes: FakeSystems, exam: str) -> None:
    for uid in list(registered(exam)):
        fakes.deregister_student(exam, uid)
    fakes.inspera.remove_candidates(platform_test(exam), list(registered(exam)))
    check = check_before_exam.fn(exam)
    assert check.alarm == "" and check.in_register == 0
    assert {d.action for d in check.differences} == {Fix.SYNC}


def test_the_fixes_pushed_leave_a_clean_check_and_pushed_again_change_nothing(
    fakes: FakeSystems, exam: str
) -> None:
    (uid, _), (other, _) = list(registered(exam).items())[:2]
    fakes.inspera.remove_candidates(platform_test(exam), [uid])
    fakes.inspera.add_candidates(
        platform_test(exam),
        [
            listed(fakes, exam)[other].model_copy(update={"extra_time_minutes": 45}),
            PlatformCandidate(external_user_id="stranger", candidate_code="ZZ-9"),
        ],
    )
    fakes.register_student(exam, "student-new-2", first_name="Ny", last_name="Student")
    fakes.inspera.set_security_options(platform_test(exam), ExamSecurity(lockdown_browser=False))
    seat_everyone(exam)
    check = check_before_exam.fn(exam)
    assert {d.action for d in check.differences} == {Fix.SYNC, Fix.PUSH, Fix.SECURITY}
    done = push_fixes.fn(check, "staff-coordinator-1")
    assert done[0].startswith("our store synced from the register (1 added")
    assert done[-1] == "the security settings set and read back"
    again = check_before_exam.fn(exam, 2)
    assert again.differences == [] and again.alarm == ""
    assert "student-new-2" in listed(fakes, exam) and "stranger" not in listed(fakes, exam)
    assert listed(fakes, exam)[uid].room == "Q21"
    before = listed(fakes, exam)
    assert push_fixes.fn(check, "staff-coordinator-1")[1] == (
        "the platform's test brought in line (0 added, 0 removed, 0 updated)"
    )
    assert listed(fakes, exam) == before


def test_a_check_scheduled_for_a_start_since_moved_checks_nothing(fakes: FakeSystems, exam: str) -> None:
    with transaction() as session:
        starts = occasions.get(session, exam).starts_at
    assert still_due.fn(exam, starts) == ""
    assert still_due.fn(exam, None) == ""
    assert "was moved to start at" in still_due.fn(exam, starts - timedelta(days=1))


def test_checks_whose_moments_have_passed_are_not_scheduled(fakes: FakeSystems, exam: str) -> None:
    with transaction() as session:
        occasion = occasions.get(session, exam)
        occasion.starts_at = occasion.starts_at.replace(year=2020)
    assert schedule_checks.fn(exam) == []
