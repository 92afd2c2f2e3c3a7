"""Anonymisation codes by term: every code given is recorded under its term, prefix and number, and
the table's unique constraint refuses a number given twice under one prefix in a term, whichever
exams the two would be on (a race between two syncs included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from models.codes import code_parts, is_register_number, term_of
from store.occasions import UnknownOccasion
from store.schema import AnonymisationCode, Occasion, Registration
from store.upsert import upsert


class CodeTaken(ValueError):
    """A code's number is given under its prefix in the term already, on another registration."""


def terms(session: Session, *, occasion_ids: Sequence[str]) -> dict[str, str]:
    """Each occasion's term, from its exam day; an unplanned occasion raises."""
    found: dict[str, str] = {}
    for start in range(0, len(occasion_ids), 500):
        chunk = list(occasion_ids[start : start + 500])
        rows = session.execute(select(Occasion.id, Occasion.starts_at).where(Occasion.id.in_(chunk)))
        found.update({o: term_of(at) for o, at in rows})
    if missing := [o for o in occasion_ids if o not in found]:
        raise UnknownOccasion(missing[0])
    return found


def highest(session: Session, *, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The highest number given under each (term, prefix); 0 where none was."""
    wanted = sorted(set(keys))
    found = {k: 0 for k in wanted}
    if wanted:
        query = (
            select(AnonymisationCode.term, AnonymisationCode.prefix, func.max(AnonymisationCode.number))
            .where(tuple_(AnonymisationCode.term, AnonymisationCode.prefix).in_(wanted))
            .group_by(AnonymisationCode.term, AnonymisationCode.prefix)
        )
        found.update({(t, p): int(n) for t, p, n in session.execute(query)})
    return found


def holders(
    session: Session, *, keys: Iterable[tuple[str, str, int]]
) -> dict[tuple[str, str, int], tuple[str, str]]:
    """Which (occasion, student) holds each (term, prefix, number) given already."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str, int], tuple[str, str]] = {}
    for start in range(0, len(wanted), 500):
        columns = (AnonymisationCode.term, AnonymisationCode.prefix, AnonymisationCode.number)
        query = select(*columns, AnonymisationCode.occasion_id, AnonymisationCode.student_uid).where(
            tuple_(*columns).in_(wanted[start : start + 500])
        )
        found.update({(t, p, n): (o, s) for t, p, n, o, s in session.execute(query)})
    return found


def prefixes_in_term(session: Session, *, term: str, like: str, excluding: str) -> set[str]:
    """The code prefixes starting with `like` held by other occasions of the term."""
    query = select(Occasion.code_prefix, Occasion.starts_at).where(
        Occasion.code_prefix.startswith(like, autoescape=True), Occasion.id != excluding
    )
    return {prefix for prefix, at in session.execute(query) if term_of(at) == term}


def new_pairs(session: Session, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose (occasion, student) has no registration yet: their codes are new."""
    occasion_ids = sorted({r["occasion_id"] for r in rows})
    held: set[tuple[str, str]] = set()
    for start in range(0, len(occasion_ids), 500):
        query = select(Registration.occasion_id, Registration.student_uid).where(
            Registration.occasion_id.in_(occasion_ids[start : start + 500])
        )
        held.update(session.execute(query).tuples())
    return [r for r in rows if (r["occasion_id"], r["student_uid"]) not in held]


def claim(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Records the codes examflow gave new registrations (occasion_id, student_uid,
    anonymisation_code) under their terms (a register's own numbers are the register's); CodeTaken, naming the code, the term and the exam holding it, when one is taken."""
    rows = [r for r in rows if not is_register_number(r["anonymisation_code"])]
    if not rows:
        return 0
    term = terms(session, occasion_ids=sorted({r["occasion_id"] for r in rows}))
    records = [_record(r, term[r["occasion_id"]]) for r in rows]
    _refuse_taken(session, records)
    return upsert(session, AnonymisationCode, records, keys=["occasion_id", "student_uid"], update=[])


def _record(row: dict[str, Any], term: str) -> dict[str, Any]:
    try:
        prefix, number = code_parts(row["anonymisation_code"])
    except ValueError as exc:
        raise ValueError(
            f"registration of {row['student_uid']} on occasion {row['occasion_id']}: anonymisation_code: {exc}"
        ) from exc
    return dict(
        term=term,
        prefix=prefix,
        number=number,
        code=row["anonymisation_code"],
        occasion_id=row["occasion_id"],
        student_uid=row["student_uid"],
    )


def _refuse_taken(session: Session, records: list[dict[str, Any]]) -> None:
    mine = {(r["occasion_id"], r["student_uid"]) for r in records}
    seen: dict[tuple[str, str, int], dict[str, Any]] = {}
    for r in records:
        key = (r["term"], r["prefix"], r["number"])
        if key in seen:
            raise CodeTaken(_taken(r, seen[key]["occasion_id"]))
        seen[key] = r
    for start in range(0, len(records), 500):
        chunk = [(r["term"], r["prefix"], r["number"]) for r in records[start : start + 500]]
        query = select(
            AnonymisationCode.term,
            AnonymisationCode.prefix,
            AnonymisationCode.number,
            AnonymisationCode.occasion_id,
            AnonymisationCode.student_uid,
        ).where(tuple_(AnonymisationCode.term, AnonymisationCode.prefix, AnonymisationCode.number).in_(chunk))
        for t, p, n, occasion_id, student_uid in session.execute(query):
            if (occasion_id, student_uid) not in mine:
                raise CodeTaken(_taken(seen[(t, p, n)], occasion_id))


def _taken(record: dict[str, Any], holder: str) -> str:
    return (
        f"anonymisation code {record['code']} for occasion {record['occasion_id']}: number "
        f"{record['number']} under prefix {record['prefix']} is given in {record['term']} already "
        f"(on occasion {holder})"
    )
