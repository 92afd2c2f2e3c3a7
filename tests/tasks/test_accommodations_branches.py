"""The coordinator's support decisions, their branches fast: the import task's function looks the
students up in the fake register and stores the decisions in a SQLite store; the sync then gives
the platform's test its extra time. A bad file is refused whole, naming each row and column and no
personnummer, with nothing written; decisions valid on the exam's day reach the platform, the
others do not; a form replaces a student's decisions; a register that is down fails the import
with nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from integrations.http import Unavailable
from models.params import Accommodations
from models.settings import get_settings
from rules.sheet_errors import SheetRefused
from store.db import transaction
from store.schema import AccommodationDecision
from tasks import platform_results
from tasks.accommodations import import_accommodations
from tasks.registration import push_to_platform, sync_from_register
from tests.fakes import FakeSystems
from tests.fakes.worlds import planned_exam

HEADER = "personnummer,student_uid,decision,extra_minutes,separate_room,equipment,valid_from,valid_to"
COORDINATOR = "staff-coordinator-1"


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    return planned_exam(
        fakes, max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    )


def students(fakes: FakeSystems, occasion: str) -> list[str]:
    return [r.student_uid for r in fakes.ladok.registered_many([occasion])[occasion]]


def personnummer(fakes: FakeSystems, student: str) -> str:
    return "".join(ch for ch in fakes.ladok.students[student].national_id if ch.isdigit())


def valid_around(day: date) -> tuple[str, str]:
    """A period holding the exam's day and not yet expired."""
    return (day - timedelta(days=30)).isoformat(), (max(day, date.today()) + timedelta(days=60)).isoformat()


def support_file(name: str, rows: list[str]) -> str:
    folder = get_settings().home / "uploads"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n".join([HEADER, *rows]) + "\n")
    return name


def decisions_held() -> int:
    with transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AccommodationDecision)) or 0)


def test_a_bad_file_is_refused_whole_and_writes_nothing(fakes: FakeSystems, occasion: str) -> None:
    first = students(fakes, occasion)[0]
    number = personnummer(fakes, first)
    start, end = valid_around(fakes.ladok.occasions[occasion].start_date)
    name = support_file(
        "support-bad.csv",
        [
            f"{number},,granted,60,no,,{start},{end}",
            f",{first},granted,lots,no,,{start},{end}",
            f"190001010000,,granted,30,no,,{start},{end}",
        ],
    )
    with pytest.raises(SheetRefused) as refused:
        import_accommodations.fn(Accommodations(filename=name, entered_by=COORDINATOR))
    assert [str(e) for e in refused.value.errors] == [
        "row 3, column extra_minutes: 'lots' is not a whole number of minutes from 0 to 600",
        "row 4, column personnummer: not a valid personal identity number (its date or check digit)",
    ]
    assert number not in str(refused.value) and number[2:] not in str(refused.value)
    assert decisions_held() == 0


def test_decisions_valid_on_the_exams_day_reach_the_platform_through_the_sync(
    fakes: FakeSystems, occasion: str
) -> None:
    who = students(fakes, occasion)
    day = fakes.ladok.occasions[occasion].start_date
    start, end = valid_around(day)
    later = (day + timedelta(days=1)).isoformat(), (max(day, date.today()) + timedelta(days=90)).isoformat()
    name = support_file(
        "support-good.csv",
        [
            f"{personnummer(fakes, who[0])},,granted,60,yes,Uppläsningsprogram,{start},{end}",
            f",{who[1]},granted,45,no,,{start},{end}",
            f"{personnummer(fakes, who[2])},,refused,,no,,{start},{end}",
            f",{who[3]},granted,30,no,,{later[0]},{later[1]}",  # not yet valid on the exam's day
        ],
    )
    imported = import_accommodations.fn(Accommodations(filename=name, entered_by=COORDINATOR))
    assert (imported.granted, imported.refused, imported.replaced) == (3, 1, 0)
    assert sync_from_register.fn([occasion]).extra_time_changes == 2
    push_to_platform.fn([occasion])
    listed = fakes.inspera.list_candidates(platform_results.platform_test_id(occasion))
    assert {c.external_user_id: c.extra_time_minutes for c in listed if c.extra_time_minutes} == {
        who[0]: 60,
        who[1]: 45,
    }


def test_a_form_replaces_a_students_decisions(fakes: FakeSystems, occasion: str) -> None:
    student = students(fakes, occasion)[1]
    start, end = valid_around(fakes.ladok.occasions[occasion].start_date)
    name = support_file("support.csv", [f",{student},granted,45,no,,{start},{end}"])
    import_accommodations.fn(Accommodations(filename=name, entered_by=COORDINATOR))
    entry = {"student_uid": student, "extra_time_minutes": 20, "valid_from": start, "valid_to": end}
    form = Accommodations.model_validate({"decisions": [entry], "entered_by": COORDINATOR})
    assert import_accommodations.fn(form).replaced == 1
    with transaction() as session:
        held = session.scalars(
            select(AccommodationDecision).where(AccommodationDecision.student_uid == student)
        )
        assert [(d.extra_time_minutes, d.source) for d in held] == [(20, "form")]


def test_a_register_that_is_down_fails_the_import_with_nothing_written(
    fakes: FakeSystems, occasion: str
) -> None:
    student = students(fakes, occasion)[0]
    start, end = valid_around(fakes.ladok.occasions[occasion].start_date)
    name = support_file("support.csv", [f",{student},granted,45,no,,{start},{end}"])
    fakes.unavailable("ladok", calls=1)
    with pytest.raises(Unavailable, match="ladok"):
        import_accommodations.fn(Accommodations(filename=name, entered_by=COORDINATOR))
    assert decisions_held() == 0
