"""Decisions on support at exams, as the coordinator entered them (file or form), and the ones
that hold for each registration on an exam's day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from models.domain import Accommodation
from store.schema import AccommodationDecision, Occasion

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIELDS = (
    "student_uid",
    "granted",
    "extra_time_minutes",
    "separate_room",
    "equipment",
    "valid_from",
    "valid_to",
)


def replace(session: Session, decisions: Sequence[Mapping[str, Any]], *, source: str, entered_by: str) -> int:
    """Every student the decisions (each with `FIELDS`) name has the decisions held for them
    replaced by these; other students keep theirs. Returns how many decisions were replaced."""
    students = sorted({d["student_uid"] for d in decisions})
    replaced = 0
    for start in range(0, len(students), 500):
        chunk = students[start : start + 500]
        result = session.execute(
            delete(AccommodationDecision).where(AccommodationDecision.student_uid.in_(chunk))
        )
        replaced += cast(CursorResult[Any], result).rowcount or 0
    add(session, decisions, source=source, entered_by=entered_by)
    return replaced


def add(session: Session, decisions: Sequence[Mapping[str, Any]], *, source: str, entered_by: str) -> None:
    """Adds the decisions (each with `FIELDS`) beside those held (a decision taken on an exam day)."""
    now = datetime.now(UTC)
    session.add_all(
        AccommodationDecision(
            **{name: d[name] for name in FIELDS},
            source=source,
            entered_by=entered_by,
            recorded_at=now,
        )
        for d in decisions
    )
    session.flush()


def exam_days(session: Session, occasion_ids: Iterable[str]) -> dict[str, date]:
    """Each planned occasion's exam day, in Stockholm."""
    ids = list(occasion_ids)
    rows = session.execute(select(Occasion.id, Occasion.starts_at).where(Occasion.id.in_(ids)))
    return {occasion_id: starts_at.astimezone(STOCKHOLM).date() for occasion_id, starts_at in rows}


def granted_on(session: Session, wanted: Mapping[str, Iterable[str]]) -> dict[str, list[Accommodation]]:
    """For each occasion, the granted decisions valid on its exam day of the students in
    `wanted[occasion]`. Decisions are few beside registrations: those valid on any of the days
    are read once and joined here."""
    days = exam_days(session, wanted)
    found: dict[str, list[Accommodation]] = {occasion_id: [] for occasion_id in wanted}
    if not days:
        return found
    query = select(AccommodationDecision).where(
        AccommodationDecision.granted.is_(True),
        AccommodationDecision.valid_from <= max(days.values()),
        AccommodationDecision.valid_to >= min(days.values()),
    )
    by_student: dict[str, list[AccommodationDecision]] = {}
    for row in session.scalars(query):
        by_student.setdefault(row.student_uid, []).append(row)
    for occasion_id, student_uids in wanted.items():
        day = days.get(occasion_id)
        if day is None:
            continue
        for uid in student_uids:
            held = [d for d in by_student.get(uid, ()) if d.valid_from <= day <= d.valid_to]
            if held:
                found[occasion_id].append(_accommodation(uid, held))
    return found


def _accommodation(student_uid: str, held: list[AccommodationDecision]) -> Accommodation:
    """One decision holds on a day (an import refuses overlaps); were there more, the most
    generous of each kind is kept."""
    return Accommodation(
        student_uid=student_uid,
        extra_time_minutes=max(d.extra_time_minutes for d in held),
        separate_room=any(d.separate_room for d in held),
        equipment="; ".join(dict.fromkeys(d.equipment for d in held if d.equipment)),
    )


def held(session: Session) -> list[AccommodationDecision]:
    """Every decision held, by student and period."""
    query = select(AccommodationDecision).order_by(
        AccommodationDecision.student_uid, AccommodationDecision.valid_from
    )
    return list(session.scalars(query))
