"""A digital exam's seating plan: candidates at seats, loan PCs granted from each building's pool,
invigilators and IT support staffed by a ratio per candidates, and every conflict found before the
day. Pure: the caller reads what other exams at the same time hold and passes it in.

Seats are numbered from 1 in each room, those with a power outlet first. A candidate with a
separate-room accommodation sits only in a room marked for it; everyone else in the other rooms.
Seats with power go first to candidates with equipment, then to those with the most extra time
(they write longest), then by code; a room's seats with power fill before any seat without.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from models.domain import Country
from rules.holidays import is_holiday
from rules.rooms import Room

LOAN_PC_WORKING_DAYS = 3  # an application must reach the exam office this many working days before

# What each kind of conflict is called where a person reads it; a blocking one stops the plan.
DOUBLE_BOOKED = "room double-booked"
TOO_FEW_SEATS = "too few seats"
TOO_FEW_SEPARATE = "too few separate rooms"
TOO_FEW_OUTLETS = "too few seats with power"
TOO_FEW_LOAN_PCS = "too few loan PCs"
TWO_EXAMS = "student in two exams at once"
TOO_FEW_INVIGILATORS = "too few invigilators"
TOO_FEW_IT_SUPPORT = "too few IT support"
BLOCKING = frozenset({DOUBLE_BOOKED, TOO_FEW_SEATS, TOO_FEW_SEPARATE})


@dataclass(frozen=True)
class Candidate:
    code: str
    extra_time_minutes: int = 0
    separate_room: bool = False
    equipment: str = ""


@dataclass(frozen=True)
class LoanPcApplication:
    code: str
    applied_on: date


@dataclass(frozen=True)
class Seat:
    code: str
    room: str
    building: str
    number: int
    power: bool


@dataclass(frozen=True)
class LoanPcDecision:
    code: str
    granted: bool
    building: str
    reason: str


@dataclass(frozen=True)
class Duty:
    staff_id: str
    duty: str  # invigilator (of a room) or it_support (of a building)
    place: str  # the room's code, or the building


@dataclass(frozen=True)
class Need:
    duty: str
    place: str
    candidates: int
    needed: int
    staffed: int


@dataclass(frozen=True)
class Conflict:
    kind: str
    text: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING


@dataclass(frozen=True)
class Ratios:
    candidates_per_invigilator: int
    candidates_per_it_support: int


@dataclass(frozen=True)
class Elsewhere:
    """What other exams at overlapping times hold: rooms (code → the exam), loan PCs lent (by
    building), staff on duty, and this exam's candidates registered on them (code → the exams)."""

    rooms: Mapping[str, str] = field(default_factory=dict)
    loan_pcs: Mapping[str, int] = field(default_factory=dict)
    staff: frozenset[str] = frozenset()
    candidates: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    rooms: list[Room]
    seats: list[Seat]
    unseated: list[Candidate]
    loan_pcs: list[LoanPcDecision]
    duties: list[Duty]
    needs: list[Need]
    conflicts: list[Conflict]

    @property
    def blocked(self) -> bool:
        return any(c.blocking for c in self.conflicts)


def _priority(candidate: Candidate) -> tuple[bool, int, str]:
    return (not candidate.equipment, -candidate.extra_time_minutes, candidate.code)


def _slots(rooms: Sequence[Room]) -> list[tuple[Room, int, bool]]:
    """Every seat: those with power in every room first (the rooms with most of them first)."""
    ordered = sorted(rooms, key=lambda r: (-r.power_seats, r.code))
    powered = [(r, n, True) for r in ordered for n in range(1, r.power_seats + 1)]
    plain = [(r, n, False) for r in ordered for n in range(r.power_seats + 1, r.seats + 1)]
    return powered + plain


def _fill(rooms: Sequence[Room], people: Sequence[Candidate]) -> tuple[list[Seat], list[Candidate]]:
    ordered = sorted(people, key=_priority)
    slots = _slots(rooms)
    seats = [
        Seat(c.code, room.code, room.building, number, power)
        for c, (room, number, power) in zip(ordered, slots, strict=False)
    ]
    return seats, ordered[len(slots) :]


def seat(rooms: Sequence[Room], candidates: Sequence[Candidate]) -> tuple[list[Seat], list[Candidate]]:
    """Each candidate's seat, and those left without one."""
    apart = [r for r in rooms if r.separate_room]
    together = [r for r in rooms if not r.separate_room]
    seats_apart, left_apart = _fill(apart, [c for c in candidates if c.separate_room])
    seats, left = _fill(together, [c for c in candidates if not c.separate_room])
    return seats_apart + seats, left_apart + left


def loan_pc_deadline(exam_day: date, country: Country = Country.SE) -> date:
    """The last day an application for a loan PC is taken: `LOAN_PC_WORKING_DAYS` working days
    (not weekends or public holidays) before the exam's day."""
    day, left = exam_day, LOAN_PC_WORKING_DAYS
    while left:
        day -= timedelta(days=1)
        if day.weekday() < 5 and not is_holiday(day, country):
            left -= 1
    return day


def grant_loan_pcs(
    applications: Sequence[LoanPcApplication],
    seats: Sequence[Seat],
    pools: Mapping[str, int],
    deadline: date,
) -> list[LoanPcDecision]:
    """In order of application, each seated applicant is lent a PC from the pool of the building
    they sit in, while it lasts; late applications are refused."""
    building = {s.code: s.building for s in seats}
    left = dict(pools)
    decisions = []
    for a in sorted(applications, key=lambda a: (a.applied_on, a.code)):
        where = building.get(a.code, "")
        if a.applied_on > deadline:
            decisions.append(
                LoanPcDecision(a.code, False, where, f"applied on {a.applied_on}, after {deadline}")
            )
        elif not where:
            decisions.append(LoanPcDecision(a.code, False, "", "has no seat"))
        elif left.get(where, 0) <= 0:
            decisions.append(LoanPcDecision(a.code, False, where, f"no loan PC left in {where}"))
        else:
            left[where] -= 1
            decisions.append(LoanPcDecision(a.code, True, where, ""))
    return decisions


def staff(
    seats: Sequence[Seat], ratios: Ratios, invigilators: Sequence[str], it_support: Sequence[str]
) -> tuple[list[Duty], list[Need]]:
    """Invigilators per room and IT support per building, each `ceil(candidates / ratio)` and at
    least one where anyone sits; the people given are taken in order."""
    by_room: dict[tuple[str, str], int] = {}
    by_building: dict[str, int] = {}
    for s in seats:
        by_room[(s.room, s.building)] = by_room.get((s.room, s.building), 0) + 1
        by_building[s.building] = by_building.get(s.building, 0) + 1
    wanted = [
        ("invigilator", room, n, math.ceil(n / ratios.candidates_per_invigilator))
        for (room, _), n in sorted(by_room.items(), key=lambda item: (item[0][1], item[0][0]))
    ] + [
        ("it_support", building, n, math.ceil(n / ratios.candidates_per_it_support))
        for building, n in sorted(by_building.items())
    ]
    free = {"invigilator": list(invigilators), "it_support": list(it_support)}
    duties, needs = [], []
    for duty, place, n, needed in wanted:
        taken = free[duty][:needed]
        free = {d: [s for s in people if s not in taken] for d, people in free.items()}  # one duty each
        duties += [Duty(staff_id, duty, place) for staff_id in taken]
        needs.append(Need(duty, place, n, needed, len(taken)))
    return duties, needs


def conflicts(
    rooms: Sequence[Room],
    seats: Sequence[Seat],
    unseated: Sequence[Candidate],
    loan_pcs: Sequence[LoanPcDecision],
    needs: Sequence[Need],
    elsewhere: Elsewhere,
) -> list[Conflict]:
    found = [
        Conflict(
            DOUBLE_BOOKED, f"{r.code} ({r.building}) is booked for {elsewhere.rooms[r.code]} at the same time"
        )
        for r in rooms
        if r.code in elsewhere.rooms
    ]
    apart = sum(c.separate_room for c in unseated)
    if apart:
        found.append(
            Conflict(TOO_FEW_SEPARATE, f"{apart} candidate(s) with a separate room have no seat in one")
        )
    if len(unseated) > apart:
        found.append(Conflict(TOO_FEW_SEATS, f"{len(unseated) - apart} candidate(s) have no seat"))
    no_power = sum(not s.power for s in seats)
    if no_power:
        found.append(Conflict(TOO_FEW_OUTLETS, f"{no_power} candidate(s) sit without a power outlet"))
    short = [d for d in loan_pcs if not d.granted and d.reason.startswith("no loan PC")]
    for building in sorted({d.building for d in short}):
        count = sum(d.building == building for d in short)
        found.append(
            Conflict(
                TOO_FEW_LOAN_PCS, f"{count} applicant(s) in {building} get no loan PC: the pool is empty"
            )
        )
    for code, exams in sorted(elsewhere.candidates.items()):
        found.append(Conflict(TWO_EXAMS, f"{code} is also registered on {', '.join(exams)}"))
    for need in needs:
        if need.staffed < need.needed:
            kind = TOO_FEW_INVIGILATORS if need.duty == "invigilator" else TOO_FEW_IT_SUPPORT
            found.append(
                Conflict(
                    kind,
                    f"{need.place}: {need.candidates} candidates need {need.needed}, {need.staffed} free",
                )
            )
    return found


def plan_seating(
    rooms: Sequence[Room],
    candidates: Sequence[Candidate],
    *,
    applications: Sequence[LoanPcApplication],
    pools: Mapping[str, int],
    deadline: date,
    invigilators: Sequence[str],
    it_support: Sequence[str],
    ratios: Ratios,
    elsewhere: Elsewhere,
) -> Plan:
    """The whole plan. `pools` are the buildings' loan PCs before other exams at the same time took
    theirs (`elsewhere.loan_pcs`); staff on duty at another exam at the same time are not taken."""
    seats, unseated = seat(rooms, candidates)
    left = {b: n - elsewhere.loan_pcs.get(b, 0) for b, n in pools.items()}
    loan_pcs = grant_loan_pcs(applications, seats, left, deadline)
    duties, needs = staff(
        seats,
        ratios,
        [s for s in invigilators if s not in elsewhere.staff],
        [s for s in it_support if s not in elsewhere.staff],
    )
    found = conflicts(rooms, seats, unseated, loan_pcs, needs, elsewhere)
    return Plan(list(rooms), seats, list(unseated), loan_pcs, duties, needs, found)
