"""Students on occasions: read as frames for the nightly diff, written back in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pandas as pd
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from store import codes as term_codes
from store.occasions import UnknownOccasion
from store.schema import Approval, Occasion, Registration, Student
from store.upsert import frame_rows, upsert

REGISTRATION_COLUMNS = [
    "occasion_id",
    "student_uid",
    "study_result_uid",
    "course_round_uid",
    "module_uid",
    "anonymisation_code",
    "status",
    "extra_time_minutes",
    "separate_room",
    "equipment",
]
# Columns a sync may change; the anonymisation code never changes once given.
SYNCED_COLUMNS = [
    "study_result_uid",
    "course_round_uid",
    "module_uid",
    "status",
    "extra_time_minutes",
    "separate_room",
    "equipment",
    "updated_at",
]


def frame(session: Session, *, occasion_ids: Sequence[str]) -> pd.DataFrame:
    """The registrations of these occasions, one row each, in REGISTRATION_COLUMNS."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(occasion_ids), 500):
        chunk = list(occasion_ids[start : start + 500])
        query = select(*[getattr(Registration, c) for c in REGISTRATION_COLUMNS]).where(
            Registration.occasion_id.in_(chunk)
        )
        rows.extend(tuple(r) for r in session.execute(query))
    # plain tuples: given Row objects, pandas probes each one as a named tuple, three times slower
    return pd.DataFrame(rows, columns=REGISTRATION_COLUMNS)


def code_prefixes(session: Session, *, occasion_ids: Sequence[str]) -> dict[str, str]:
    """Each occasion's anonymisation code prefix, in one query per 500; an unplanned one raises."""
    found: dict[str, str] = {}
    for start in range(0, len(occasion_ids), 500):
        chunk = list(occasion_ids[start : start + 500])
        query = select(Occasion.id, Occasion.code_prefix).where(Occasion.id.in_(chunk))
        found.update(session.execute(query).tuples().all())
    if missing := [o for o in occasion_ids if o not in found]:
        raise UnknownOccasion(missing[0])
    return {o: found[o] for o in occasion_ids}


def occasion_statuses(session: Session, *, occasion_ids: Sequence[str]) -> dict[str, str]:
    """Each occasion's status in our store, in one query per 500; an unplanned one raises."""
    found: dict[str, str] = {}
    for start in range(0, len(occasion_ids), 500):
        chunk = list(occasion_ids[start : start + 500])
        query = select(Occasion.id, Occasion.status).where(Occasion.id.in_(chunk))
        found.update(session.execute(query).tuples().all())
    if missing := [o for o in occasion_ids if o not in found]:
        raise UnknownOccasion(missing[0])
    return {o: found[o] for o in occasion_ids}


def review_waiting(session: Session, *, occasion_id: str) -> str | None:
    """The flow run of a shrink review of the occasion still waiting for a coordinator, if any."""
    query = select(Approval.flow_run_id).where(
        Approval.occasion_id == occasion_id,
        Approval.kind.like("registration-shrink-%"),
        Approval.status.in_(("pending", "locked")),
    )
    return session.scalars(query.order_by(Approval.id.desc())).first()


def save_students(session: Session, students: pd.DataFrame) -> int:
    """Upserts students from a frame with uid, first_name, last_name (national_id, email optional)."""
    unique = students.drop_duplicates("uid")
    columns = [c for c in ("uid", "first_name", "last_name", "national_id", "email") if c in unique.columns]
    return upsert(
        session, Student, frame_rows(unique, columns), keys=["uid"], update=["first_name", "last_name"]
    )


def save(session: Session, registrations: pd.DataFrame) -> int:
    """Upserts registrations from a frame in REGISTRATION_COLUMNS, keyed on (occasion, student);
    the codes of new ones are claimed in their term first (store.codes)."""
    now = datetime.now(UTC)
    records = [{**r, "updated_at": now} for r in frame_rows(registrations, REGISTRATION_COLUMNS)]
    term_codes.claim(session, term_codes.new_pairs(session, records))
    return upsert(session, Registration, records, keys=["occasion_id", "student_uid"], update=SYNCED_COLUMNS)


def mark_removed(session: Session, *, occasion_id: str, student_uids: Sequence[str]) -> int:
    if not student_uids:
        return 0
    result = session.execute(
        update(Registration)
        .where(Registration.occasion_id == occasion_id, Registration.student_uid.in_(list(student_uids)))
        .values(status="removed", updated_at=datetime.now(UTC))
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def registered(session: Session, *, occasion_id: str) -> list[Registration]:
    query = select(Registration).where(
        Registration.occasion_id == occasion_id, Registration.status == "registered"
    )
    return list(session.scalars(query.order_by(Registration.anonymisation_code)))


def codes(session: Session, *, occasion_id: str) -> dict[str, str]:
    """Student uid → anonymisation code, for every registration ever made on the occasion."""
    query = select(Registration.student_uid, Registration.anonymisation_code).where(
        Registration.occasion_id == occasion_id
    )
    return dict(session.execute(query).tuples().all())


def code_of(session: Session, *, registration_id: int) -> str:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise LookupError(f"no registration {registration_id}")
    return registration.anonymisation_code


def by_code(session: Session, *, occasion_id: str, code: str) -> Registration:
    row = session.scalar(
        select(Registration).where(
            Registration.occasion_id == occasion_id, Registration.anonymisation_code == code
        )
    )
    if row is None:
        raise LookupError(f"no candidate with anonymisation code {code!r} on occasion {occasion_id}")
    return row


def occasions_of_study_results(session: Session, study_result_uids: list[str]) -> dict[str, str]:
    """The occasion of each registration held under one of these register ids (study results)."""
    if not study_result_uids:
        return {}
    query = select(Registration.study_result_uid, Registration.occasion_id).where(
        Registration.study_result_uid.in_(study_result_uids)
    )
    return dict(session.execute(query).tuples().all())
