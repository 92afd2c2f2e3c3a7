"""Where the plan's times and the students' accommodations come from, through the real flows: a
plan without a time, or outside the register's dates, is refused with nothing written; a timetable
gives the platform's test its times; the support office's file, imported by the coordinator, reaches
the platform's extra time through the registration sync, which asks the register for no
accommodations (it has none: the stand-in answers 404, as Ladok does).

Its own register and platform stand-ins (the store and Prefect are the world's), so that its
occasions are planned here alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from flows.accommodations import accommodations
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from models.params import Accommodations, ExamTimes, PlanExam, SyncRegistrations
from rules.exam_times import STOCKHOLM
from rules.sheet_errors import SheetRefused
from simulators import inspera as inspera_sim
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from store.db import transaction
from store.schema import AccommodationDecision, Occasion, Registration
from tasks import platform_results
from tasks.planning import PlanRefused
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving

SPEC = {"seed": 31, "course_rounds": 3, "occasions": 2, "students": 80, "extra_time_share": 0.0}
HEADER = "personnummer,student_uid,decision,extra_minutes,separate_room,equipment,valid_from,valid_to"


@dataclass
class Register:
    url: str
    occasions: list[str]
    uploads: Path

    def day(self, occasion_uid: str) -> date:
        occasion = httpx.get(f"{self.url}/resultat/aktivitetstillfalle/{occasion_uid}").json()
        return date.fromisoformat(occasion["Datumperiod"]["Startdatum"])

    def course_code(self, occasion_uid: str) -> str:
        occasion = httpx.get(f"{self.url}/resultat/aktivitetstillfalle/{occasion_uid}").json()
        return str(occasion["Aktiviteter"][0]["Kursinstans"]["Utbildningskod"])

    def students(self, occasion_uid: str) -> list[str]:
        found = httpx.get(f"{self.url}/_sim/registrations", params={"occasion": occasion_uid}).json()
        return [r["student_uid"] for r in found]

    def personnummer(self, student_uid: str) -> str:
        return str(httpx.get(f"{self.url}/studentinformation/student/{student_uid}").json()["Personnummer"])


@pytest.fixture(scope="module")
def register(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    state = tmp_path_factory.mktemp("plan-times")
    with ExitStack() as stack:
        ladok = stack.enter_context(serve_in_thread(ladok_sim.create_app(state / "ladok.db")))
        inspera = stack.enter_context(serve_in_thread(inspera_sim.create_app(state / "inspera.db")))
        stack.enter_context(
            examflow_environment(
                {"EXAMFLOW_LADOK_URL": f"{ladok}/", "EXAMFLOW_INSPERA_URL": f"{inspera}/api/"}
            )
        )
        term = httpx.post(f"{ladok}/_sim/term", json=SPEC, timeout=60)
        term.raise_for_status()
        uploads = world.home / "uploads"
        uploads.mkdir(exist_ok=True)
        yield Register(ladok, term.json()["occasions"], uploads)


def nothing_planned(occasion_uid: str) -> bool:
    with transaction() as session:
        stored = session.get(Occasion, occasion_uid)
    with systems().platform() as platform:
        return stored is None and platform.find_test(occasion_uid) is None


def test_a_plan_without_a_time_is_refused_naming_what_is_missing(register: Register) -> None:
    occasion = register.occasions[1]
    with pytest.raises(PlanRefused) as refused:
        plan_exam(PlanExam(occasion_uid=occasion))
    day, code = register.day(occasion), register.course_code(occasion)
    assert str(refused.value) == (
        f"occasion {occasion}: the plan has no exam date, no start time, no end time: fill in the plan's "
        f"times, or give a timetable with a row for {code} on {day}"
    )
    assert nothing_planned(occasion)


def test_times_outside_the_registers_dates_are_refused(register: Register) -> None:
    occasion = register.occasions[1]
    day = register.day(occasion)
    late = ExamTimes(exam_date=day + timedelta(days=1), start_time=time(9), end_time=time(13))
    with pytest.raises(PlanRefused) as refused:
        plan_exam(PlanExam(occasion_uid=occasion, times=late))
    assert str(refused.value) == (
        f"time_window: the exam's day {day + timedelta(days=1)} is outside the occasion's dates in the "
        f"register ({day})"
    )
    assert nothing_planned(occasion)


def test_a_timetable_without_the_occasions_row_leaves_the_plan_without_times(register: Register) -> None:
    occasion = register.occasions[1]
    day, code = register.day(occasion), register.course_code(occasion)
    (register.uploads / "timetable-other.csv").write_text(
        f"course_code,date,start,end\nXYZ999,{day},09:00,13:00\n"
    )
    with pytest.raises(PlanRefused) as refused:
        plan_exam(PlanExam(occasion_uid=occasion, times=ExamTimes(timetable="timetable-other.csv")))
    assert str(refused.value).endswith(
        f"or give a timetable with a row for {code} on {day} (timetable-other.csv has none)"
    )
    assert nothing_planned(occasion)


@pytest.fixture(scope="module")
def planned(world: World, register: Register) -> str:
    """The first occasion planned from a timetable row: 09:15-13:15 Stockholm time, 200 minutes."""
    occasion = register.occasions[0]
    row = f"{register.course_code(occasion)},{register.day(occasion)},09:15,13:15,200"
    (register.uploads / "timetable-plan-times.csv").write_text(
        f"course_code,date,start,end,duration\n{row}\n"
    )
    times = ExamTimes(timetable="timetable-plan-times.csv")
    with approving(world.outbox, "staff-coordinator-1") as person:
        plan_exam(PlanExam(occasion_uid=occasion, times=times, code_prefix="TT"))
    assert person.errors == []
    return occasion


def test_the_timetable_gives_the_plan_and_the_platforms_test_their_times(
    register: Register, planned: str
) -> None:
    starts = datetime.combine(register.day(planned), time(9, 15), STOCKHOLM).astimezone(UTC)
    with transaction() as session:
        row = session.get(Occasion, planned)
        assert row is not None
        assert (row.starts_at, row.ends_at, row.duration_minutes) == (
            starts,
            starts + timedelta(hours=4),
            200,
        )
    with systems().platform() as platform:
        test = platform.find_test(planned)
    assert test is not None and (test.starts_at, test.ends_at) == (starts, starts + timedelta(hours=4))


def decisions_held() -> int:
    with transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AccommodationDecision)) or 0)


def valid_around(day: date) -> tuple[str, str]:
    """A period holding the exam's day and not yet expired."""
    return (day - timedelta(days=30)).isoformat(), (max(day, date.today()) + timedelta(days=60)).isoformat()


def test_a_bad_file_is_refused_whole_and_writes_nothing(register: Register, planned: str) -> None:
    first = register.students(planned)[0]
    number = register.personnummer(first)
    start, end = valid_around(register.day(planned))
    rows = [
        f"{number},,granted,60,no,,{start},{end}",
        f",{first},granted,lots,no,,{start},{end}",
        f"190001010000,,granted,30,no,,{start},{end}",
    ]
    (register.uploads / "support-bad.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    before = decisions_held()
    with pytest.raises(SheetRefused) as refused:
        accommodations(Accommodations(filename="support-bad.csv", entered_by="staff-coordinator-1"))
    assert [str(e) for e in refused.value.errors] == [
        "row 3, column extra_minutes: 'lots' is not a whole number of minutes from 0 to 600",
        "row 4, column personnummer: not a valid personal identity number (its date or check digit)",
    ]
    assert number not in str(refused.value) and number[2:] not in str(refused.value)
    assert decisions_held() == before


def test_a_valid_file_reaches_the_platforms_extra_time_through_the_sync(
    register: Register, planned: str
) -> None:
    students = register.students(planned)
    day = register.day(planned)
    start, end = valid_around(day)
    later = (day + timedelta(days=1)).isoformat(), (max(day, date.today()) + timedelta(days=90)).isoformat()
    rows = [
        f"{register.personnummer(students[0])},,granted,60,yes,Uppläsningsprogram,{start},{end}",
        f",{students[1]},granted,45,no,,{start},{end}",
        f"{register.personnummer(students[2])},,refused,,no,,{start},{end}",
        f",{students[3]},granted,30,no,,{later[0]},{later[1]}",  # not yet valid on the exam's day
    ]
    (register.uploads / "support-good.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    imported = accommodations(Accommodations(filename="support-good.csv", entered_by="staff-coordinator-1"))
    assert imported == {"granted": 3, "refused": 1, "replaced": 0}

    registration_sync(SyncRegistrations(occasion_uids=[planned]))

    wanted = {students[0]: 60, students[1]: 45}
    with transaction() as session:
        held = dict(
            session.execute(
                select(Registration.student_uid, Registration.extra_time_minutes).where(
                    Registration.occasion_id == planned, Registration.status == "registered"
                )
            ).all()
        )
        room = session.scalar(
            select(Registration.separate_room).where(
                Registration.occasion_id == planned, Registration.student_uid == students[0]
            )
        )
    assert {uid: m for uid, m in held.items() if m} == wanted and len(held) == len(students)
    assert room is True
    with systems().platform() as platform:
        test_id = platform_results.platform_test_id(planned)
        on_platform = {c.external_user_id: c.extra_time_minutes for c in platform.list_candidates(test_id)}
    assert {uid: m for uid, m in on_platform.items() if m} == wanted


def test_the_register_has_no_accommodations_to_ask_for(register: Register, planned: str) -> None:
    """The sync above ran against this stand-in, so it asked for none: it would have failed on the 404."""
    assert httpx.get(f"{register.url}/resultat/aktivitetstillfalle/{planned}/anpassningar").status_code == 404
    bulk = httpx.put(
        f"{register.url}/resultat/aktivitetstillfalle/anpassningar",
        json={"AktivitetstillfallenUID": [planned]},
    )
    assert bulk.status_code in (404, 405)


def test_a_form_replaces_a_students_decisions(register: Register, planned: str) -> None:
    student = register.students(planned)[1]
    day = register.day(planned)
    start, end = valid_around(day)
    entry = {"student_uid": student, "extra_time_minutes": 20, "valid_from": start, "valid_to": end}
    result = accommodations(
        Accommodations.model_validate({"decisions": [entry], "entered_by": "staff-coordinator-1"})
    )
    assert result == {"granted": 1, "refused": 0, "replaced": 1}
    with transaction() as session:
        held = session.scalars(
            select(AccommodationDecision).where(AccommodationDecision.student_uid == student)
        ).all()
    assert [(d.extra_time_minutes, d.source) for d in held] == [(20, "form")]
