"""Decisions on support in our store: an import replaces the decisions of the students it names,
and the ones granted and valid on an exam's day (in Stockholm) are joined to its registrations.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from models.domain import Accommodation
from store import accommodations
from store.db import transaction
from tests.factories import an_occasion

DAY = date(2026, 10, 20)


def decision(student: str, minutes: int, first: date, last: date, **more: Any) -> dict[str, Any]:
    return {
        "student_uid": student,
        "granted": True,
        "extra_time_minutes": minutes,
        "separate_room": False,
        "equipment": "",
        "valid_from": first,
        "valid_to": last,
    } | more


def test_the_decisions_valid_on_each_exam_day_are_joined(engine: Engine) -> None:
    late = datetime(2026, 10, 19, 22, 30, tzinfo=UTC)  # 00:30 on the 20th in Stockholm
    with transaction(engine) as session:
        session.add(an_occasion("occ-late", starts_at=late, ends_at=late + timedelta(hours=4)))
        session.add(
            an_occasion(
                "occ-next", starts_at=late + timedelta(days=1), ends_at=late + timedelta(days=1, hours=4)
            )
        )
        accommodations.replace(
            session,
            [
                decision("s1", 60, DAY, DAY, separate_room=True, equipment="Förstoringsskärm"),
                decision("s2", 30, DAY - timedelta(days=10), DAY - timedelta(days=1)),
                decision("s2", 45, DAY + timedelta(days=1), DAY + timedelta(days=30)),
                decision("s3", 0, DAY, DAY, granted=False),
            ],
            source="support.csv",
            entered_by="staff-coordinator-1",
        )
    with transaction(engine) as session:
        found = accommodations.granted_on(session, {"occ-late": ["s1", "s2", "s3"], "occ-next": ["s1", "s2"]})
    assert found == {
        "occ-late": [
            Accommodation(
                student_uid="s1", extra_time_minutes=60, separate_room=True, equipment="Förstoringsskärm"
            )
        ],
        "occ-next": [Accommodation(student_uid="s2", extra_time_minutes=45)],
    }


def test_an_import_replaces_only_the_decisions_of_the_students_it_names(engine: Engine) -> None:
    with transaction(engine) as session:
        accommodations.replace(
            session,
            [decision("s1", 60, DAY, DAY), decision("s2", 30, DAY, DAY)],
            source="first.csv",
            entered_by="c",
        )
    with transaction(engine) as session:
        replaced = accommodations.replace(
            session, [decision("s1", 20, DAY, DAY)], source="form", entered_by="c"
        )
    with transaction(engine) as session:
        held = [(d.student_uid, d.extra_time_minutes, d.source) for d in accommodations.held(session)]
    assert replaced == 1
    assert held == [("s1", 20, "form"), ("s2", 30, "first.csv")]
