"""A digital exam's seating plan: the exam office's rooms file read into the store, the plan drafted
from what the store holds (candidates, their support decisions, loan-PC applications, rooms, staff
and what other exams hold at the same time), and, once a coordinator approves, stored with a list
per room for the doors. Nothing is written before the approval but the rooms file."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from prefect import task
from sqlalchemy.orm import Session

from formats.export import escape_cell
from formats.rooms import read_rooms
from formats.upload import LIMITS
from models.domain import Accommodation, Country, ExamType, Frozen, Role
from models.params import SeatingPlan
from models.settings import get_settings
from rules import seating as rules
from rules.exam_times import local_day
from rules.rooms import Room, loan_pc_pools
from store import accommodations, audit, registrations, seating, staff
from store.db import transaction
from store.schema import Occasion
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.spreadsheet_grades import upload_path

DIGITAL = {ExamType.DIGITAL_SCHOOL, ExamType.DIGITAL_REEXAM}


class SeatingRefused(Exception):
    """The plan may not be made as asked; the message names what and why."""


class SeatRow(Frozen):
    registration_id: int
    code: str
    building: str
    room: str
    seat: int
    power: bool
    extra_time_minutes: int
    equipment: str
    loan_pc: str  # granted, refused (and why), or '' for no application


class LoanPcRow(Frozen):
    registration_id: int
    code: str
    applied_on: date
    granted: bool
    building: str
    reason: str


class DutyRow(Frozen):
    staff_id: str
    name: str
    duty: str
    place: str


class NeedRow(Frozen):
    duty: str
    place: str
    candidates: int
    needed: int
    staffed: int


class ConflictRow(Frozen):
    kind: str
    text: str
    blocking: bool


class RoomRow(Frozen):
    code: str
    building: str
    seats: int
    power_seats: int
    separate_room: bool


class SeatingDraft(Frozen):
    occasion_id: str
    exam: str
    starts_at: datetime
    ends_at: datetime  # the end with the most extra time of any candidate
    rooms: list[RoomRow]
    seats: list[SeatRow]
    unseated: list[str]
    loan_pcs: list[LoanPcRow]
    duties: list[DutyRow]
    needs: list[NeedRow]
    conflicts: list[ConflictRow]

    @property
    def blocked(self) -> bool:
        return any(c.blocking for c in self.conflicts)


def _check_coordinator(session: Session, staff_id: str, occasion_id: str) -> None:
    if not staff.holds_role(session, staff_id=staff_id, role=Role.COORDINATOR, occasion_id=occasion_id):
        raise SeatingRefused(f"{staff_id!r} is not a coordinator: only coordinators plan rooms and seats")


@task(name="load-rooms", **REPLAY_SAFE)
def load_rooms(filename: str, entered_by: str, occasion_id: str) -> int:
    """The rooms file, checked whole (`SheetRefused` by row and column), replaces the rooms held."""
    with transaction() as session:
        _check_coordinator(session, entered_by, occasion_id)
    with upload_path(filename).open("rb") as file:
        content = file.read(LIMITS.max_bytes + 1)
    rooms = read_rooms(content, filename)
    with transaction() as session:
        try:
            stored, removed = seating.replace_rooms(session, [vars(r) for r in rooms], source=filename)
        except seating.RoomsRefused as exc:
            raise SeatingRefused(str(exc)) from exc
        audit.record(
            session,
            actor=entered_by,
            action="rooms.replaced",
            occasion_id=None,
            detail={
                "source": filename,
                "sha256": hashlib.sha256(content).hexdigest(),
                "rooms": stored,
                "removed": removed,
            },
        )
    run_logger().info(f"Read {stored} rooms from {filename} ({removed} no longer in it removed)")
    return stored


@dataclass(frozen=True)
class _Held:
    """What the store holds for the plan, read in one transaction."""

    occasion_id: str
    exam: str
    starts_at: datetime
    ends_at: datetime  # with the most extra time of any candidate
    deadline: date  # for loan-PC applications
    booked: list[Room]
    rooms: list[Room]  # every room held, for the buildings' loan-PC pools
    candidates: list[tuple[int, str, Accommodation]]  # registration id, code, support on the day
    applied: dict[int, date]  # loan-PC applications by registration id
    overlaps: seating.Overlaps
    staff: dict[str, list[tuple[str, str]]]  # role → (staff id, name)
    codes: dict[str, str]  # student uid → code


@task(name="draft-seating-plan", **REPLAY_SAFE)
def draft_seating_plan(params: SeatingPlan) -> SeatingDraft:
    with transaction() as session:
        held = _read(session, params)
    settings = get_settings()
    plan = rules.plan_seating(
        held.booked,
        [
            rules.Candidate(code, a.extra_time_minutes, a.separate_room, a.equipment)
            for _, code, a in held.candidates
        ],
        applications=[
            rules.LoanPcApplication(code, held.applied[rid])
            for rid, code, _ in held.candidates
            if rid in held.applied
        ],
        pools=loan_pc_pools(held.rooms),
        deadline=held.deadline,
        invigilators=[s for s, _ in held.staff[Role.INVIGILATOR]],
        it_support=[s for s, _ in held.staff[Role.IT_SUPPORT]],
        ratios=rules.Ratios(settings.candidates_per_invigilator, settings.candidates_per_it_support),
        elsewhere=rules.Elsewhere(
            rooms=held.overlaps.rooms,
            loan_pcs=held.overlaps.loan_pcs,
            staff=held.overlaps.staff,
            candidates={held.codes[uid]: exams for uid, exams in held.overlaps.candidates.items()},
        ),
    )
    draft = _draft(held, plan)
    run_logger().info(
        f"Drafted the seating plan of {held.occasion_id}: {len(draft.seats)} of {len(held.candidates)} candidates "
        f"seated in {len(held.booked)} rooms, {sum(s.power for s in draft.seats)} at seats with power; "
        f"{sum(d.granted for d in draft.loan_pcs)} of {len(draft.loan_pcs)} loan-PC applications granted; "
        f"{len(draft.duties)} staff on duty; {len(draft.conflicts)} conflicts"
    )
    return draft


def _read(session: Session, params: SeatingPlan) -> _Held:
    _check_coordinator(session, params.planned_by, params.occasion_uid)
    occasion = _digital_occasion(session, params.occasion_uid)
    booked, rooms = _rooms(session, params.rooms)
    registered = registrations.registered(session, occasion_id=occasion.id)
    uids = [r.student_uid for r in registered]
    support = {a.student_uid: a for a in accommodations.granted_on(session, {occasion.id: uids})[occasion.id]}
    most = max((a.extra_time_minutes for a in support.values()), default=0)
    ends = occasion.ends_at + timedelta(minutes=most)
    return _Held(
        occasion_id=occasion.id,
        exam=occasion.name,
        starts_at=occasion.starts_at,
        ends_at=ends,
        deadline=rules.loan_pc_deadline(local_day(occasion.starts_at), Country(occasion.country)),
        booked=booked,
        rooms=rooms,
        candidates=[
            (
                r.id,
                r.anonymisation_code,
                support.get(r.student_uid) or Accommodation(student_uid=r.student_uid),
            )
            for r in registered
        ],
        applied=_applications(session, params, {r.student_uid: r.id for r in registered}),
        overlaps=seating.elsewhere(
            session, occasion_id=occasion.id, starts=occasion.starts_at, ends=ends, student_uids=uids
        ),
        staff={
            role: [(s.id, s.name) for s in staff.holders(session, role=role, occasion_id=occasion.id)]
            for role in (Role.INVIGILATOR, Role.IT_SUPPORT)
        },
        codes={r.student_uid: r.anonymisation_code for r in registered},
    )


def _digital_occasion(session: Session, occasion_id: str) -> Occasion:
    occasion = session.get(Occasion, occasion_id)
    if occasion is None:
        raise SeatingRefused(f"occasion {occasion_id} is not planned: plan the exam first (plan-exam)")
    if occasion.exam_type not in DIGITAL:
        raise SeatingRefused(
            f"occasion {occasion_id} is a {occasion.exam_type.replace('_', ' ')} exam: seating plans are made "
            "for digital exams on campus"
        )
    return occasion


def _rooms(session: Session, codes: list[str]) -> tuple[list[Room], list[Room]]:
    """The rooms to book, and every room held."""
    held = [
        Room(r.code, r.building, r.seats, r.power_seats, r.separate_room, r.loan_pcs)
        for r in seating.rooms(session)
    ]
    by_code = {r.code.casefold(): r for r in held}
    unknown = [c for c in codes if c.casefold() not in by_code]
    if unknown:
        raise SeatingRefused(
            f"rooms: no room {', '.join(unknown)} among the {len(held)} rooms held; check the name, or give "
            "the rooms file"
        )
    named = [c.casefold() for c in codes]
    twice = sorted({c for c in codes if named.count(c.casefold()) > 1})
    if twice:
        raise SeatingRefused(f"rooms: {', '.join(twice)} named twice")
    return [by_code[c.casefold()] for c in codes], held


def _applications(session: Session, params: SeatingPlan, registered: dict[str, int]) -> dict[int, date]:
    """The loan-PC applications held and those given now, by registration id (an application held
    keeps its day); an applicant not registered on the exam refuses the plan."""
    strangers = sorted({e.student_uid for e in params.loan_pc_applications} - set(registered))
    if strangers:
        raise SeatingRefused(
            f"loan_pc_applications: not registered on occasion {params.occasion_uid}: {', '.join(strangers)}"
        )
    applied = {
        a.registration_id: a.applied_on
        for a in seating.applications(session, occasion_id=params.occasion_uid)
    }
    for entry in params.loan_pc_applications:
        applied.setdefault(registered[entry.student_uid], entry.applied_on)
    return applied


def _loan_pc_words(decision: rules.LoanPcDecision | None) -> str:
    if decision is None:
        return ""
    return "granted" if decision.granted else f"refused: {decision.reason}"


def _draft(held: _Held, plan: rules.Plan) -> SeatingDraft:
    names = dict(held.staff[Role.INVIGILATOR] + held.staff[Role.IT_SUPPORT])
    return SeatingDraft(
        occasion_id=held.occasion_id,
        exam=held.exam,
        starts_at=held.starts_at,
        ends_at=held.ends_at,
        rooms=[
            RoomRow(
                code=r.code,
                building=r.building,
                seats=r.seats,
                power_seats=r.power_seats,
                separate_room=r.separate_room,
            )
            for r in plan.rooms
        ],
        seats=_seat_rows(held, plan),
        unseated=[c.code for c in plan.unseated],
        loan_pcs=_loan_pc_rows(held, plan),
        duties=[
            DutyRow(staff_id=d.staff_id, name=names[d.staff_id], duty=d.duty, place=d.place)
            for d in plan.duties
        ],
        needs=[
            NeedRow(duty=n.duty, place=n.place, candidates=n.candidates, needed=n.needed, staffed=n.staffed)
            for n in plan.needs
        ],
        conflicts=[ConflictRow(kind=c.kind, text=c.text, blocking=c.blocking) for c in plan.conflicts],
    )


def _seat_rows(held: _Held, plan: rules.Plan) -> list[SeatRow]:
    rid = {code: r for r, code, _ in held.candidates}
    support = {code: a for _, code, a in held.candidates}
    loans = {d.code: d for d in plan.loan_pcs}
    return [
        SeatRow(
            registration_id=rid[s.code],
            code=s.code,
            building=s.building,
            room=s.room,
            seat=s.number,
            power=s.power,
            extra_time_minutes=support[s.code].extra_time_minutes,
            equipment=support[s.code].equipment,
            loan_pc=_loan_pc_words(loans.get(s.code)),
        )
        for s in sorted(plan.seats, key=lambda s: (s.building, s.room, s.number))
    ]


def _loan_pc_rows(held: _Held, plan: rules.Plan) -> list[LoanPcRow]:
    rid = {code: r for r, code, _ in held.candidates}
    return [
        LoanPcRow(
            registration_id=rid[d.code],
            code=d.code,
            applied_on=held.applied[rid[d.code]],
            granted=d.granted,
            building=d.building,
            reason=d.reason,
        )
        for d in plan.loan_pcs
    ]


@task(name="save-seating-plan", **REPLAY_SAFE)
def save_seating_plan(draft: SeatingDraft, decided_by: str) -> list[str]:
    """Stores the approved plan (its rooms checked free again) and writes one list per room, as
    .csv, to `<EXAMFLOW_HOME>/seating/<occasion>/`; returns the files' paths."""
    rows = seating.PlanRows(
        rooms=[r.code for r in draft.rooms],
        seats=[(s.registration_id, s.room, s.seat, s.power) for s in draft.seats],
        loan_pcs=[(d.registration_id, d.granted, d.building, d.reason) for d in draft.loan_pcs],
        duties=[(d.staff_id, d.duty, d.place) for d in draft.duties],
    )
    with transaction() as session:
        seating.save_applications(
            session,
            occasion_id=draft.occasion_id,
            applied={d.registration_id: d.applied_on for d in draft.loan_pcs},
        )
        try:
            seating.save_plan(
                session,
                occasion_id=draft.occasion_id,
                starts=draft.starts_at,
                ends=draft.ends_at,
                plan=rows,
                decided_by=decided_by,
            )
        except seating.RoomsRefused as exc:
            raise SeatingRefused(f"occasion {draft.occasion_id}: {exc}") from exc
        _audit_plan(session, draft, decided_by)
    files = _write_room_lists(draft)
    run_logger().info(
        f"Stored the seating plan of {draft.occasion_id}, approved by {decided_by}; a list per room in "
        f"{files[0].parent if files else 'no file'}"
    )
    return [str(f) for f in files]


def _audit_plan(session: Session, draft: SeatingDraft, decided_by: str) -> None:
    audit.record(
        session,
        actor=decided_by,
        action="seating.planned",
        occasion_id=draft.occasion_id,
        detail={
            "rooms": [r.code for r in draft.rooms],
            "seated": len(draft.seats),
            "loan_pcs_granted": sum(d.granted for d in draft.loan_pcs),
            "loan_pcs_refused": sum(not d.granted for d in draft.loan_pcs),
            "on_duty": len(draft.duties),
            "conflicts": len(draft.conflicts),
        },
    )


ROOM_LIST_COLUMNS = ("seat", "power outlet", "candidate", "extra time (minutes)", "equipment", "loan PC")


def room_list(draft: SeatingDraft, room: str) -> bytes:
    """One room's list for its door and its invigilators, by seat (a cell never starts a formula)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROOM_LIST_COLUMNS)
    for s in draft.seats:
        if s.room == room:
            row = (
                s.seat,
                "yes" if s.power else "no",
                s.code,
                s.extra_time_minutes or "",
                s.equipment,
                s.loan_pc,
            )
            writer.writerow([escape_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def _write_room_lists(draft: SeatingDraft) -> list[Path]:
    folder = get_settings().home / "seating" / draft.occasion_id
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for room in draft.rooms:
        path = folder / f"{room.building}-{room.code}.csv".replace("/", "-").replace(" ", "-")
        path.write_bytes(room_list(draft, room.code))
        files.append(path)
    return files
