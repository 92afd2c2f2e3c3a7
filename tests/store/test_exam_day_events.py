"""Exam-day events on SQLite and PostgreSQL: an event is recorded once under its key, whoever
replays it, and each registration's incidents add up to the minutes given back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import exam_day
from store.db import transaction
from store.schema import ExamDayEvent, Registration
from tests.factories import T0, a_registration, a_student, an_occasion


def an_exam(engine: Engine) -> tuple[Registration, Registration]:
    with transaction(engine) as session:
        session.add(an_occasion("occ-1"))
        session.add_all([a_student("s1"), a_student("s2")])
        session.flush()
        first, second = a_registration("s1", "LA0001"), a_registration("s2", "LA0002")
        session.add_all([first, second])
        session.flush()
        session.expunge_all()
    return first, second


def incident(session: Session, registration: Registration, key: str, minutes: int) -> bool:
    return exam_day.record(
        session,
        registration=registration,
        kind=exam_day.INCIDENT,
        key=key,
        minutes=minutes,
        reason="the network dropped",
        entered_by="staff-invigilator-1",
        at=T0,
    )


def test_incidents_add_up_per_registration_and_a_key_is_recorded_once(engine: Engine) -> None:
    first, second = an_exam(engine)
    with transaction(engine) as session:
        assert incident(session, first, "run-1", 10)
        assert incident(session, first, "run-2", 15)
        assert incident(session, second, "run-3", 5)
    with transaction(engine) as session:
        assert not incident(session, first, "run-1", 10)  # a replay of run-1
        exam_day.record(
            session,
            registration=first,
            kind=exam_day.SKETCH,
            key="sketch-LA0001-0a1b2c3d.pdf",
            sha256="0a" * 32,
            attachment_id="7",
            entered_by="staff-invigilator-1",
            at=T0,
        )
    with transaction(engine) as session:
        assert exam_day.compensation(session, occasion_id="occ-1") == {first.id: 25, second.id: 5}
        kinds = [e.kind for e in exam_day.events(session, occasion_id="occ-1")]
        assert kinds == ["incident", "incident", "incident", "sketch"]
        assert exam_day.compensation(session, occasion_id="occ-2") == {}


def test_the_database_refuses_a_second_event_under_one_key(engine: Engine) -> None:
    first, _ = an_exam(engine)
    with transaction(engine) as session:
        incident(session, first, "run-1", 10)
    row = dict(occasion_id="occ-1", registration_id=first.id, kind="incident", key="run-1", minutes=10)
    with pytest.raises(IntegrityError):
        with transaction(engine) as session:
            session.add(ExamDayEvent(**row, reason="", entered_by="x", at=T0))
    with transaction(engine) as session:
        assert exam_day.compensation(session, occasion_id="occ-1") == {first.id: 10}
