"""seating-plan through the real flow, on SQLite and PostgreSQL: the exam office's rooms file read,
candidates seated with power first and apart where their support decision says so, loan PCs granted
from the building's pool in order of application, staff put on duty, the conflicts with another exam
at the same time listed in a report to print, and the plan stored once a coordinator approves; a
conflict that stops the plan, or a bad rooms file, stores nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from flows.seating_plan import seating_plan
from models.params import LoanPcEntry, SeatingPlan
from rules.exam_times import STOCKHOLM
from rules.sheet_errors import SheetRefused
from store import accommodations, seating
from store.db import transaction
from store.schema import ExamDuty, LoanPcApplication, Room, RoomBooking, SeatAssignment
from tasks.seating import SeatingRefused
from tests.factories import a_registration, a_student, an_occasion
from tests.flows.conftest import World, approving

EXAM, OTHER = "seating-exam", "seating-other"
ROOMS = """building,room,seats,power_seats,separate_room,loan_pcs
Main building,Q21,40,30,no,2
Main building,Q22,40,10,no,0
Main building,Q33,20,20,no,0
Library,L1,2,2,yes,1
"""


def day() -> datetime:
    """09:00 Stockholm time, twelve days ahead."""
    local = datetime.now(STOCKHOLM).date() + timedelta(days=12)
    return datetime.combine(local, time(9, 0), STOCKHOLM).astimezone(UTC)


def uid(n: int) -> str:
    return f"seating-student-{n:03d}"


@pytest.fixture(scope="module")
def exams(world: World) -> dict[str, int]:
    """EXAM: 70 candidates 09:00-13:00, one writing apart, one with a screen reader and 60 minutes
    more. OTHER, 12:00-16:00, holds Q33 and staff-invigilator-3 and shares student 1. The rooms file
    waits in the uploads folder. Returns EXAM's registration ids by student uid."""
    starts = day()
    (world.home / "uploads").mkdir(exist_ok=True)
    (world.home / "uploads" / "rooms.csv").write_text(ROOMS)
    with transaction() as session:
        session.add_all(a_student(uid(n)) for n in range(1, 72))
        session.add(
            an_occasion(
                EXAM,
                name="Databases, digital exam",
                exam_type="digital_school",
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
            )
        )
        session.add(
            an_occasion(
                OTHER,
                name="Physics, digital exam",
                exam_type="digital_school",
                starts_at=starts + timedelta(hours=3),
                ends_at=starts + timedelta(hours=7),
            )
        )
        session.flush()
        session.add_all(a_registration(uid(n), f"DB-{n:04d}-ABC", EXAM) for n in range(1, 71))
        session.add_all(a_registration(uid(n), f"PH-{n:04d}-ABC", OTHER) for n in (1, 71))
        valid = {
            "granted": True,
            "valid_from": starts.date() - timedelta(days=30),
            "valid_to": starts.date() + timedelta(days=30),
        }
        accommodations.replace(
            session,
            [
                {"student_uid": uid(2), "extra_time_minutes": 0, "separate_room": True, "equipment": ""}
                | valid,
                {
                    "student_uid": uid(3),
                    "extra_time_minutes": 60,
                    "separate_room": False,
                    "equipment": "screen reader",
                }
                | valid,
            ],
            source="test",
            entered_by="staff-coordinator-1",
        )
        rooms = [
            dict(code=c, building="Main building", seats=20, power_seats=20, separate_room=False, loan_pcs=0)
            for c in ("Q33",)
        ]
        seating.replace_rooms(session, rooms, source="earlier.csv")
        other = seating.registration_ids(session, occasion_id=OTHER)
        seating.save_plan(
            session,
            occasion_id=OTHER,
            starts=starts + timedelta(hours=3),
            ends=starts + timedelta(hours=7),
            plan=seating.PlanRows(
                rooms=["Q33"],
                seats=[(rid, "Q33", n, True) for n, rid in enumerate(other.values(), start=1)],
                loan_pcs=[],
                duties=[("staff-invigilator-3", "invigilator", "Q33")],
            ),
            decided_by="staff-coordinator-1",
        )
        return seating.registration_ids(session, occasion_id=EXAM)


def params(**more: object) -> SeatingPlan:
    fields: dict[str, object] = {
        "occasion_uid": EXAM,
        "rooms": ["Q21", "Q22", "L1"],
        "planned_by": "staff-coordinator-1",
    }
    return SeatingPlan.model_validate(fields | more)


def nothing_planned() -> bool:
    with transaction() as session:
        booked = session.scalar(
            select(func.count()).select_from(RoomBooking).where(RoomBooking.occasion_id == EXAM)
        )
        applied = session.scalar(
            select(func.count()).select_from(LoanPcApplication).where(LoanPcApplication.occasion_id == EXAM)
        )
    return booked == 0 and applied == 0


def test_a_bad_rooms_file_is_refused_by_row_and_column_and_changes_nothing(
    world: World, exams: dict[str, int]
) -> None:
    (world.home / "uploads" / "rooms-bad.csv").write_text(ROOMS.replace("Q22,40,10", "Q22,40,50"))
    with pytest.raises(SheetRefused) as refused:
        seating_plan(params(rooms_file="rooms-bad.csv"))
    assert [str(e) for e in refused.value.errors] == [
        "row 3, column power_seats: 50 seats with power, but the room has only 40 seats"
    ]
    with transaction() as session:
        assert [r.code for r in seating.rooms(session)] == ["Q33"]
    assert nothing_planned()


def test_a_room_another_exam_holds_then_stops_the_plan_before_anyone_is_asked(
    world: World, exams: dict[str, int]
) -> None:
    with pytest.raises(SeatingRefused) as refused:
        seating_plan(params(rooms_file="rooms.csv", rooms=["Q33", "Q21", "Q22", "L1"]))
    assert str(refused.value) == (
        f"occasion {EXAM}: the seating plan cannot be made: room double-booked: Q33 (Main building) is booked "
        "for Physics, digital exam at the same time"
    )
    assert nothing_planned()
    report = Artifact.get("seating-plan-seating-exam")
    assert report is not None and "| room double-booked | Q33 (Main building) is booked for Physics" in str(
        report.data
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"rooms": ["Q21", "Q99"]},
            "rooms: no room Q99 among the 4 rooms held; check the name, or give the rooms file",
        ),
        ({"rooms": ["Q21", "q21"]}, "rooms: Q21, q21 named twice"),
        (
            {"loan_pc_applications": [{"student_uid": "seating-student-071", "applied_on": "2026-01-02"}]},
            f"loan_pc_applications: not registered on occasion {EXAM}: seating-student-071",
        ),
        (
            {"planned_by": "staff-grader-1"},
            "'staff-grader-1' is not a coordinator: only coordinators plan rooms and seats",
        ),
    ],
)
def test_a_plan_asked_wrongly_is_refused_saying_why(
    world: World, exams: dict[str, int], change: dict[str, object], message: str
) -> None:
    with pytest.raises(SeatingRefused) as refused:
        seating_plan(params(rooms_file="rooms.csv", **change))
    assert str(refused.value) == message
    assert nothing_planned()


def test_a_rejected_plan_stores_nothing(world: World, exams: dict[str, int]) -> None:
    rejection = {"decision": "reject", "comment": "Q22 is being renovated that week"}
    applications = [LoanPcEntry(student_uid=uid(10), applied_on=day().date() - timedelta(days=20))]
    with approving(world.outbox, "staff-coordinator-1", first_answers=[rejection]) as person:
        result = seating_plan(params(rooms_file="rooms.csv", loan_pc_applications=applications))
    assert person.errors == [] and len(person.answers) == 1
    assert result["seated"] == 0
    assert nothing_planned()


def test_the_approved_plan_is_stored_printed_and_listed_per_room(world: World, exams: dict[str, int]) -> None:
    applications = [
        LoanPcEntry(student_uid=uid(10), applied_on=day().date() - timedelta(days=20)),
        LoanPcEntry(student_uid=uid(11), applied_on=day().date() - timedelta(days=19)),
        LoanPcEntry(student_uid=uid(12), applied_on=day().date() - timedelta(days=18)),
        LoanPcEntry(student_uid=uid(13), applied_on=day().date() - timedelta(days=1)),
    ]
    with approving(world.outbox, "staff-coordinator-1") as person:
        result = seating_plan(params(rooms_file="rooms.csv", loan_pc_applications=applications))
    assert person.errors == [] and len(person.answers) == 1
    assert result == {"seated": 70, "rooms": 3, "loan_pcs_granted": 2, "on_duty": 3, "conflicts": 6}

    with transaction() as session:
        seats = {
            code: (room, seat, power)
            for code, _, room, seat, power in seating.seats(session, occasion_id=EXAM)
        }
        loans = {
            a.registration_id: (a.status, a.building, a.reason)
            for a in session.scalars(select(LoanPcApplication))
        }
        duties = {
            (d.staff_id, d.duty, d.place)
            for d in session.scalars(select(ExamDuty).where(ExamDuty.occasion_id == EXAM))
        }
        assert session.get(Room, "Q22") is not None
        assert (
            session.scalar(
                select(func.count()).select_from(SeatAssignment).where(SeatAssignment.occasion_id == EXAM)
            )
            == 70
        )
    assert seats["DB-0002-ABC"] == ("L1", 1, True)  # writes apart
    assert seats["DB-0003-ABC"] == ("Q21", 1, True)  # equipment: power first
    assert sum(power for _, _, power in seats.values()) == 41  # L1's, Q21's 30 and Q22's 10
    assert sum(room == "Q22" for room, _, _ in seats.values()) == 29
    assert [loans[exams[uid(n)]] for n in (10, 11, 12)] == [
        ("granted", "Main building", ""),
        ("granted", "Main building", ""),
        ("refused", "Main building", "no loan PC left in Main building"),
    ]
    assert loans[exams[uid(13)]][0] == "refused" and "after" in loans[exams[uid(13)]][2]
    assert duties == {
        ("staff-invigilator-1", "invigilator", "L1"),
        ("staff-invigilator-2", "invigilator", "Q21"),
        ("staff-it-1", "it_support", "Library"),
    }

    report = Artifact.get("seating-plan-seating-exam")
    assert report is not None
    text = str(report.data)
    for line in (
        "| too few seats with power | 29 candidate(s) sit without a power outlet | to be resolved |",
        "| too few loan PCs | 1 applicant(s) in Main building get no loan PC: the pool is empty | to be resolved |",
        "| student in two exams at once | DB-0001-ABC is also registered on Physics, digital exam | to be resolved |",
        "| too few invigilators | Q21: 40 candidates need 2, 1 free | to be resolved |",
        "| too few invigilators | Q22: 29 candidates need 1, 0 free | to be resolved |",
        "| too few IT support | Main building: 69 candidates need 2, 0 free | to be resolved |",
        "| 1 | yes | DB-0003-ABC | 60 minutes | screen reader |  |",
        "| invigilators | Q21 | 40 | 2 | Maja Ek |",
    ):
        assert line in text
    assert uid(3) not in text and "True" not in text and "False" not in text

    lists = sorted((world.home / "seating" / EXAM).iterdir())
    assert [p.name for p in lists] == ["Library-L1.csv", "Main-building-Q21.csv", "Main-building-Q22.csv"]
    rows = list(csv.reader(io.StringIO(lists[1].read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["seat", "power outlet", "candidate", "extra time (minutes)", "equipment", "loan PC"]
    assert rows[1] == ["1", "yes", "DB-0003-ABC", "60", "screen reader", ""]
    assert len(rows) == 41
