"""The exam office's rooms, each exam's room bookings and seating plan, loan-PC applications and
who is on duty; and what other exams at overlapping times hold, for the plan's conflicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.schema import (
    ExamDuty,
    LoanPcApplication,
    Occasion,
    Registration,
    Room,
    RoomBooking,
    SeatAssignment,
)

ROOM_FIELDS = ("code", "building", "seats", "power_seats", "separate_room", "loan_pcs")


class RoomsRefused(ValueError):
    """The rooms or the plan may not be stored as asked; the message names what and why."""


@dataclass(frozen=True)
class Overlaps:
    """What exams other than this one hold at overlapping times."""

    rooms: dict[str, str]  # room code → the exam booking it
    loan_pcs: dict[str, int]  # building → loan PCs lent
    staff: frozenset[str]  # on duty
    candidates: dict[str, list[str]]  # this exam's student uid → the other exams they are registered on


def replace_rooms(session: Session, rooms: Sequence[Mapping[str, Any]], *, source: str) -> tuple[int, int]:
    """The rooms held become `rooms` (each with `ROOM_FIELDS`); a room left out that an exam has
    booked refuses the whole file. Returns how many rooms were stored and how many removed."""
    wanted = {r["code"] for r in rooms}
    gone = [code for code in session.scalars(select(Room.code)) if code not in wanted]
    booked = session.execute(
        select(RoomBooking.room_code, Occasion.name)
        .join(Occasion, Occasion.id == RoomBooking.occasion_id)
        .where(RoomBooking.room_code.in_(gone))
        .order_by(RoomBooking.room_code)
    ).all()
    if booked:
        listed = "; ".join(f"{code} is booked for {name}" for code, name in booked)
        raise RoomsRefused(
            f"{source} leaves out rooms that exams have booked ({listed}): keep them in the file"
        )
    if gone:
        session.execute(delete(Room).where(Room.code.in_(gone)))
    now = datetime.now(UTC)
    for r in rooms:
        session.merge(Room(**{name: r[name] for name in ROOM_FIELDS}, source=source, updated_at=now))
    session.flush()
    return len(rooms), len(gone)


def rooms(session: Session) -> list[Room]:
    return list(session.scalars(select(Room).order_by(Room.building, Room.code)))


def registration_ids(session: Session, *, occasion_id: str) -> dict[str, int]:
    """The registered students' registration ids, by student uid."""
    query = select(Registration.student_uid, Registration.id).where(
        Registration.occasion_id == occasion_id, Registration.status == "registered"
    )
    return {uid: rid for uid, rid in session.execute(query)}


def save_applications(session: Session, *, occasion_id: str, applied: Mapping[int, date]) -> int:
    """Records loan-PC applications by registration id (again: the first day applied is kept)."""
    held = {
        a.registration_id
        for a in session.scalars(
            select(LoanPcApplication).where(LoanPcApplication.occasion_id == occasion_id)
        )
    }
    new = [rid for rid in applied if rid not in held]
    session.add_all(
        LoanPcApplication(
            registration_id=rid, occasion_id=occasion_id, applied_on=applied[rid], status="applied"
        )
        for rid in new
    )
    session.flush()
    return len(new)


def applications(session: Session, *, occasion_id: str) -> list[LoanPcApplication]:
    query = select(LoanPcApplication).where(LoanPcApplication.occasion_id == occasion_id)
    return list(
        session.scalars(query.order_by(LoanPcApplication.applied_on, LoanPcApplication.registration_id))
    )


def _overlapping(session: Session, occasion_id: str, starts: datetime, ends: datetime) -> list[RoomBooking]:
    query = select(RoomBooking).where(
        RoomBooking.occasion_id != occasion_id, RoomBooking.starts_at < ends, RoomBooking.ends_at > starts
    )
    return list(session.scalars(query))


def elsewhere(
    session: Session, *, occasion_id: str, starts: datetime, ends: datetime, student_uids: Sequence[str]
) -> Overlaps:
    """What other exams hold between `starts` and `ends`: the rooms they booked, the loan PCs they
    lend, their staff on duty, and the exams (by their own times) of these students."""
    bookings = _overlapping(session, occasion_id, starts, ends)
    others = {b.occasion_id for b in bookings}
    names = {
        uid: name
        for uid, name in session.execute(select(Occasion.id, Occasion.name).where(Occasion.id.in_(others)))
    }
    lent: dict[str, int] = {}
    granted = select(LoanPcApplication.building).where(
        LoanPcApplication.occasion_id.in_(others), LoanPcApplication.status == "granted"
    )
    for building in session.scalars(granted):
        lent[building] = lent.get(building, 0) + 1
    on_duty = session.scalars(select(ExamDuty.staff_id).where(ExamDuty.occasion_id.in_(others)))
    return Overlaps(
        rooms={b.room_code: names[b.occasion_id] for b in bookings},
        loan_pcs=lent,
        staff=frozenset(on_duty),
        candidates=_other_exams(session, occasion_id, starts, ends, student_uids),
    )


def _other_exams(
    session: Session, occasion_id: str, starts: datetime, ends: datetime, student_uids: Sequence[str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for start in range(0, len(student_uids), 500):
        query = (
            select(Registration.student_uid, Occasion.name)
            .join(Occasion, Occasion.id == Registration.occasion_id)
            .where(
                Registration.student_uid.in_(student_uids[start : start + 500]),
                Registration.status == "registered",
                Occasion.id != occasion_id,
                Occasion.starts_at < ends,
                Occasion.ends_at > starts,
            )
            .order_by(Occasion.name)
        )
        for uid, name in session.execute(query):
            found.setdefault(uid, []).append(name)
    return found


@dataclass(frozen=True)
class PlanRows:
    """An approved plan as rows: rooms booked, seats and loan-PC decisions by registration id,
    duties by staff id."""

    rooms: Sequence[str]
    seats: Sequence[tuple[int, str, int, bool]]  # registration, room, seat, power
    loan_pcs: Sequence[tuple[int, bool, str, str]]  # registration, granted, building, reason
    duties: Sequence[tuple[str, str, str]]  # staff, duty, place


def save_plan(
    session: Session, *, occasion_id: str, starts: datetime, ends: datetime, plan: PlanRows, decided_by: str
) -> None:
    """Replaces the exam's plan. The rooms are locked first and checked free again, so that two
    plans made at once never book one room twice."""
    session.execute(select(Room.code).where(Room.code.in_(plan.rooms)).with_for_update()).all()
    taken = sorted(
        b.room_code for b in _overlapping(session, occasion_id, starts, ends) if b.room_code in plan.rooms
    )
    if taken:
        raise RoomsRefused(f"booked for another exam meanwhile: {', '.join(taken)}; make the plan again")
    for model in (RoomBooking, SeatAssignment, ExamDuty):
        session.execute(delete(model).where(model.occasion_id == occasion_id))
    session.flush()
    session.add_all(
        RoomBooking(occasion_id=occasion_id, room_code=code, starts_at=starts, ends_at=ends)
        for code in plan.rooms
    )
    session.add_all(
        SeatAssignment(registration_id=rid, occasion_id=occasion_id, room_code=room, seat=seat, power=power)
        for rid, room, seat, power in plan.seats
    )
    session.add_all(
        ExamDuty(occasion_id=occasion_id, staff_id=staff_id, duty=duty, place=place)
        for staff_id, duty, place in plan.duties
    )
    now = datetime.now(UTC)
    held = {a.registration_id: a for a in applications(session, occasion_id=occasion_id)}
    for rid, granted, building, reason in plan.loan_pcs:
        application = held[rid]
        application.status = "granted" if granted else "refused"
        application.building, application.reason = building, reason
        application.decided_by, application.decided_at = decided_by, now
    session.flush()


def seats(session: Session, *, occasion_id: str) -> list[tuple[str, str, str, int, bool]]:
    """The exam's seats as (code, building, room, seat, power), by building, room and seat."""
    query = (
        select(
            Registration.anonymisation_code,
            Room.building,
            Room.code,
            SeatAssignment.seat,
            SeatAssignment.power,
        )
        .join(Registration, Registration.id == SeatAssignment.registration_id)
        .join(Room, Room.code == SeatAssignment.room_code)
        .where(SeatAssignment.occasion_id == occasion_id)
        .order_by(Room.building, Room.code, SeatAssignment.seat)
    )
    return [
        (code, building, room, seat, power) for code, building, room, seat, power in session.execute(query)
    ]


def duties(session: Session, *, occasion_id: str) -> list[ExamDuty]:
    query = select(ExamDuty).where(ExamDuty.occasion_id == occasion_id)
    return list(session.scalars(query.order_by(ExamDuty.duty, ExamDuty.place, ExamDuty.staff_id)))


def places(session: Session, *, occasion_id: str) -> dict[str, tuple[str, str]]:
    """Where the exam's seating plan puts each registered candidate: (building, room) by student uid."""
    query = (
        select(Registration.student_uid, Room.building, Room.code)
        .join(SeatAssignment, SeatAssignment.registration_id == Registration.id)
        .join(Room, Room.code == SeatAssignment.room_code)
        .where(SeatAssignment.occasion_id == occasion_id, Registration.status == "registered")
    )
    return {uid: (building, room) for uid, building, room in session.execute(query)}
