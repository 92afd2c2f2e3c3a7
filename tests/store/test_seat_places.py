"""Where the seating plan puts each registered candidate, by student uid (what the platform's test
is given as the candidate's building and room), on SQLite and PostgreSQL: a withdrawn registration
and another exam's seats left out, a candidate without a seat absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from store import seating
from store.db import transaction
from store.schema import Registration
from tests.factories import a_registration, a_student, an_occasion

STARTS = datetime(2030, 6, 3, 7, tzinfo=UTC)


def test_places_are_the_rooms_of_the_registered_candidates_seats(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add_all(a_student(f"s{n}") for n in range(1, 5))
        for occasion in ("occ-1", "occ-2"):
            session.add(an_occasion(occasion, starts_at=STARTS, ends_at=STARTS + timedelta(hours=4)))
        session.flush()
        session.add_all(
            [
                a_registration("s1", "EX-0001-ABC"),
                a_registration("s2", "EX-0002-ABC"),
                a_registration("s3", "EX-0003-ABC", status="removed"),
                a_registration("s4", "EX-0004-ABC"),
                a_registration("s1", "OT-0001-ABC", "occ-2"),
            ]
        )
        rooms = [
            dict(code=c, building=b, seats=10, power_seats=10, separate_room=False, loan_pcs=0)
            for c, b in (("Q21", "Main"), ("L1", "Library"), ("Q33", "Main"))
        ]
        seating.replace_rooms(session, rooms, source="rooms.csv")
        for occasion, seats in (("occ-1", {"s1": "Q21", "s2": "L1", "s3": "Q21"}), ("occ-2", {"s1": "Q33"})):
            query = select(Registration.student_uid, Registration.id).where(
                Registration.occasion_id == occasion
            )
            ids = dict(session.execute(query).tuples().all())  # the withdrawn one's too
            seating.save_plan(
                session,
                occasion_id=occasion,
                starts=STARTS,
                ends=STARTS + timedelta(hours=4),
                plan=seating.PlanRows(
                    rooms=sorted(set(seats.values())),
                    seats=[
                        (ids[uid], room, n, True)
                        for n, (uid, room) in enumerate(seats.items(), 1)
                        if ids[uid]
                    ],
                    loan_pcs=[],
                    duties=[],
                ),
                decided_by="staff-coordinator-1",
            )
    with transaction(engine) as session:
        assert seating.places(session, occasion_id="occ-1") == {
            "s1": ("Main", "Q21"),
            "s2": ("Library", "L1"),
        }
        assert seating.places(session, occasion_id="occ-2") == {"s1": ("Main", "Q33")}
