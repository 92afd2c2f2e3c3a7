"""Rooms, bookings, seats, loan PCs and duties in our store, on SQLite and PostgreSQL: the rooms
file replaces the rooms but never one an exam booked; what other exams hold at overlapping times is
found; a plan replaces the exam's earlier one and never books a room another exam holds."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from store import seating
from store.db import transaction
from store.schema import LoanPcApplication, Room, RoomBooking, Staff
from tests.factories import T0, a_registration, a_student, an_occasion

HOUR = timedelta(hours=1)


def room(code: str, building: str = "Main", **more: Any) -> dict[str, Any]:
    return {
        "code": code,
        "building": building,
        "seats": 10,
        "power_seats": 5,
        "separate_room": False,
        "loan_pcs": 2,
    } | more


@pytest.fixture
def term(engine: Engine) -> dict[str, dict[str, int]]:
    """Three exams: A 08-13, B 12-17 (overlapping A), C the next day; s1 on A and B, s2 on A, s3 on C.
    Returns the registration ids by occasion and student."""
    with transaction(engine) as session:
        session.add_all(a_student(uid) for uid in ("s1", "s2", "s3"))
        session.add(an_occasion("A", name="Algebra", starts_at=T0, ends_at=T0 + 5 * HOUR))
        session.add(an_occasion("B", name="Biology", starts_at=T0 + 4 * HOUR, ends_at=T0 + 9 * HOUR))
        session.add(an_occasion("C", name="Chemistry", starts_at=T0 + 24 * HOUR, ends_at=T0 + 29 * HOUR))
        session.add(Staff(id="inv-1", name="Ina", email="ina@examflow.local"))
        session.flush()
        for occasion, students in {"A": ["s1", "s2"], "B": ["s1"], "C": ["s3"]}.items():
            session.add_all(a_registration(s, f"{occasion}-{s}", occasion) for s in students)
        seating.replace_rooms(session, [room("Q1"), room("Q2"), room("L1", "Library")], source="rooms.csv")
    with transaction(engine) as session:
        return {o: seating.registration_ids(session, occasion_id=o) for o in "ABC"}


def plan_for(occasion: str, ids: dict[str, int], rooms: list[str], **more: Any) -> seating.PlanRows:
    seats = [(rid, rooms[0], n, n <= 5) for n, rid in enumerate(sorted(ids.values()), start=1)]
    return seating.PlanRows(
        rooms=rooms, seats=seats, loan_pcs=more.get("loan_pcs", []), duties=more.get("duties", [])
    )


def test_the_rooms_file_replaces_the_rooms_but_never_drops_a_booked_one(engine: Engine, term: Any) -> None:
    with transaction(engine) as session:
        stored, removed = seating.replace_rooms(session, [room("Q1", seats=20), room("Q3")], source="new.csv")
    assert (stored, removed) == (2, 2)
    with transaction(engine) as session:
        held = {r.code: (r.seats, r.source) for r in seating.rooms(session)}
        assert held == {"Q1": (20, "new.csv"), "Q3": (10, "new.csv")}
        seating.save_plan(
            session,
            occasion_id="A",
            starts=T0,
            ends=T0 + 5 * HOUR,
            plan=plan_for("A", term["A"], ["Q3"]),
            decided_by="c",
        )
    with pytest.raises(seating.RoomsRefused) as refused, transaction(engine) as session:
        seating.replace_rooms(session, [room("Q1")], source="short.csv")
    assert str(refused.value) == (
        "short.csv leaves out rooms that exams have booked (Q3 is booked for Algebra): keep them in the file"
    )
    with transaction(engine) as session:
        assert {r.code for r in seating.rooms(session)} == {"Q1", "Q3"}


def test_what_other_exams_hold_at_the_same_time_is_found(
    engine: Engine, term: dict[str, dict[str, int]]
) -> None:
    with transaction(engine) as session:
        seating.save_applications(session, occasion_id="B", applied={term["B"]["s1"]: date(2026, 1, 2)})
        seating.save_plan(
            session,
            occasion_id="B",
            starts=T0 + 4 * HOUR,
            ends=T0 + 9 * HOUR,
            plan=plan_for(
                "B",
                term["B"],
                ["Q1"],
                loan_pcs=[(term["B"]["s1"], True, "Main", "")],
                duties=[("inv-1", "invigilator", "Q1")],
            ),
            decided_by="c",
        )
        seating.save_plan(
            session,
            occasion_id="C",
            starts=T0 + 24 * HOUR,
            ends=T0 + 29 * HOUR,
            plan=plan_for("C", term["C"], ["Q2"]),
            decided_by="c",
        )
    with transaction(engine) as session:
        found = seating.elsewhere(
            session, occasion_id="A", starts=T0, ends=T0 + 5 * HOUR, student_uids=["s1", "s2"]
        )
        later = seating.elsewhere(
            session, occasion_id="A", starts=T0, ends=T0 + 4 * HOUR, student_uids=["s1", "s2"]
        )
    assert found == seating.Overlaps(
        rooms={"Q1": "Biology"},
        loan_pcs={"Main": 1},
        staff=frozenset({"inv-1"}),
        candidates={"s1": ["Biology"]},
    )
    assert later == seating.Overlaps(rooms={}, loan_pcs={}, staff=frozenset(), candidates={})


def test_a_plan_replaces_the_earlier_one_and_records_the_loan_pc_decisions(
    engine: Engine, term: dict[str, dict[str, int]]
) -> None:
    ids = term["A"]
    with transaction(engine) as session:
        assert seating.save_applications(session, occasion_id="A", applied={ids["s1"]: date(2026, 1, 2)}) == 1
        assert seating.save_applications(session, occasion_id="A", applied={ids["s1"]: date(2026, 1, 9)}) == 0
        for rooms in (["Q1", "Q2"], ["Q2"]):
            seating.save_plan(
                session,
                occasion_id="A",
                starts=T0,
                ends=T0 + 5 * HOUR,
                plan=plan_for(
                    "A", ids, rooms, loan_pcs=[(ids["s1"], False, "Main", "no loan PC left in Main")]
                ),
                decided_by="staff-coordinator-1",
            )
    with transaction(engine) as session:
        assert seating.seats(session, occasion_id="A") == [
            ("A-s1", "Main", "Q2", 1, True),
            ("A-s2", "Main", "Q2", 2, True),
        ]
        assert session.scalar(select(func.count()).select_from(RoomBooking)) == 1
        application = session.get(LoanPcApplication, ids["s1"])
        assert application is not None
        assert (application.applied_on, application.status, application.reason, application.decided_by) == (
            date(2026, 1, 2),
            "refused",
            "no loan PC left in Main",
            "staff-coordinator-1",
        )


def test_a_plan_never_books_a_room_another_exam_holds_then(
    engine: Engine, term: dict[str, dict[str, int]]
) -> None:
    with transaction(engine) as session:
        seating.save_plan(
            session,
            occasion_id="B",
            starts=T0 + 4 * HOUR,
            ends=T0 + 9 * HOUR,
            plan=plan_for("B", term["B"], ["Q1"]),
            decided_by="c",
        )
    with (
        pytest.raises(seating.RoomsRefused, match="booked for another exam meanwhile: Q1"),
        transaction(engine) as session,
    ):
        seating.save_plan(
            session,
            occasion_id="A",
            starts=T0,
            ends=T0 + 5 * HOUR,
            plan=plan_for("A", term["A"], ["Q1"]),
            decided_by="c",
        )
    with transaction(engine) as session:
        assert seating.seats(session, occasion_id="A") == []
        assert session.get(Room, "Q1") is not None


def test_two_plans_made_at_once_never_book_one_room_twice(
    engine: Engine, term: dict[str, dict[str, int]]
) -> None:
    """The first plan holds Q1 uncommitted; the second, for an exam at an overlapping time, waits
    for it and is then refused (PostgreSQL: the rooms locked; SQLite: one writer at a time)."""
    holding, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def first() -> None:
        with transaction(engine) as session:
            seating.save_plan(
                session,
                occasion_id="A",
                starts=T0,
                ends=T0 + 5 * HOUR,
                plan=plan_for("A", term["A"], ["Q1"]),
                decided_by="c",
            )
            holding.set()
            release.wait(10)

    def second() -> None:
        holding.wait(10)
        try:
            with transaction(engine) as session:
                seating.save_plan(
                    session,
                    occasion_id="B",
                    starts=T0 + 4 * HOUR,
                    ends=T0 + 9 * HOUR,
                    plan=plan_for("B", term["B"], ["Q1"]),
                    decided_by="c",
                )
            outcome.append("booked")
        except seating.RoomsRefused as exc:
            outcome.append(str(exc))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.5)
    assert outcome == []  # the second waits while the first holds the room
    release.set()
    for thread in threads:
        thread.join(20)
    assert outcome == ["booked for another exam meanwhile: Q1; make the plan again"]
    with transaction(engine) as session:
        assert seating.seats(session, occasion_id="B") == []
