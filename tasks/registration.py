"""The registration sync: register → our store → the platform's test, in batches, never per student."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd
from prefect import task
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from models.codes import code_parts, is_register_number
from models.domain import Accommodation, Country, Frozen, PlatformCandidate, RegisteredStudent
from models.settings import get_settings
from rules.anonymisation import assign_codes, is_valid_code
from rules.registrations import RegistrationDiff, diff_registrations, field_changes, positions
from rules.shrink import Shrink, holds
from store import accommodations as support
from store import audit, occasions, registrations, seating
from store import codes as term_codes
from store.db import transaction
from tasks import collector
from tasks.chaining import start_run
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems

CHANGES_SHOWN = 1000
REGISTER_COLUMNS = [
    "occasion_id",
    "student_uid",
    "study_result_uid",
    "course_round_uid",
    "module_uid",
    "anonymisation_code",
    "first_name",
    "last_name",
]
# Besides extra time, what a sync rewrites when the register changes it.
REWRITTEN_COLUMNS = ["study_result_uid", "course_round_uid", "module_uid", "separate_room", "equipment"]
ACCOMMODATION_COLUMNS = ["occasion_id", "student_uid", "extra_time_minutes", "separate_room", "equipment"]
# One batch reads the registers at a time in a process: each client keeps to its register's
# concurrency (`LadokClient`: 8 calls at once), so a second batch started meanwhile waits here and
# overlaps only the first one's store (see `read_ahead`).
_READING = threading.Lock()

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
B = TypeVar("B")


class Outcome(Protocol[T_co]):
    """A started call's outcome: a Prefect task's future or a `concurrent.futures.Future`."""

    def result(self) -> T_co: ...


class HeldOccasion(Frozen):
    """An occasion whose register answer was not applied: its counts, why, and the anonymisation
    codes the answer would remove (codes only: what a coordinator is shown)."""

    occasion_id: str
    held: int
    answered: int
    removals: int
    reason: str
    codes: list[str]


class SyncSummary(Frozen):
    occasions: int
    registered: int
    adds: int
    removals: int
    extra_time_changes: int
    other_changes: int
    unchanged: int
    changes: list[dict[str, str | int]]
    held: list[HeldOccasion] = []


class PushSummary(Frozen):
    occasions: int
    added: int
    removed: int
    extra_time_updated: int


def register_frame(
    registered: dict[str, list[RegisteredStudent]], accommodations: dict[str, list[Accommodation]]
) -> pd.DataFrame:
    """The register's side of the diff, one row per (occasion, student), with the accommodations
    valid on each exam's day (the coordinator's decisions, from our store) joined."""
    rows = [
        (
            occ,
            r.student_uid,
            r.study_result_uid,
            r.course_round_uid,
            r.module_uid,
            r.anonymisation_code,
            r.first_name,
            r.last_name,
        )
        for occ, found in registered.items()
        for r in found
    ]
    frame = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    extra = pd.DataFrame(
        [
            (occ, a.student_uid, a.extra_time_minutes, a.separate_room, a.equipment)
            for occ, found in accommodations.items()
            for a in found
        ],
        columns=ACCOMMODATION_COLUMNS,
    )
    frame = frame.merge(extra, how="left", on=["occasion_id", "student_uid"])
    return frame.fillna({"extra_time_minutes": 0, "separate_room": False, "equipment": ""}).astype(
        {"extra_time_minutes": "int64", "separate_room": bool}
    )


def _with_codes(
    changed: pd.DataFrame, held: pd.DataFrame, prefixes: dict[str, str], numbering: Numbering
) -> pd.DataFrame:
    """Fills missing anonymisation codes; a code once given is kept, whatever the register says.
    A new registration takes the register's code unless that code is given in the term already
    (to another registration, on any exam); new numbers follow the highest given under the prefix
    in the exam's term."""
    codes = pd.Series(_codes_held(changed, held, "occasion_id"), index=changed.index)
    proposed = codes.isna() & changed["anonymisation_code"].notna()
    values = codes.fillna(changed["anonymisation_code"]).to_numpy(dtype=object, copy=True)
    occasion_ids, student_uids = changed["occasion_id"].to_numpy(), changed["student_uid"].to_numpy()
    for i in np.flatnonzero(proposed.to_numpy()):
        if not numbering.take(occasion_ids[i], student_uids[i], values[i]):
            values[i] = np.nan
    codes = pd.Series(values, index=changed.index)
    missing = changed[codes.isna()]
    key = get_settings().signing_key
    for occasion_id, group in missing.groupby("occasion_id"):
        given = changed.assign(code=codes)[(changed.occasion_id == occasion_id) & codes.notna()]
        existing = {
            **held[held.occasion_id == occasion_id].set_index("student_uid")["anonymisation_code"].to_dict(),
            **given.set_index("student_uid")["code"].to_dict(),
        }
        seed = key + b":" + occasion_id.encode()  # secret: the letters must not be computable from ids
        prefix = prefixes[occasion_id]
        assigned = assign_codes(
            prefix, existing, list(group.student_uid), seed, after=numbering.after(occasion_id, prefix)
        )
        for student_uid in group.student_uid:
            numbering.take(occasion_id, student_uid, assigned[student_uid])
        codes[group.index] = group.student_uid.map(assigned)
    return changed.assign(anonymisation_code=codes)


class Numbering:
    """The codes given in each term: who holds each (term, prefix, number), and the highest number
    under each prefix, kept up as codes are taken."""

    def __init__(
        self,
        terms: dict[str, str],
        highest: dict[tuple[str, str], int],
        holders: dict[tuple[str, str, int], tuple[str, str]],
    ) -> None:
        self.terms, self.highest, self.holders = terms, dict(highest), dict(holders)

    def after(self, occasion_id: str, prefix: str) -> int:
        return self.highest.get((self.terms[occasion_id], prefix), 0)

    def take(self, occasion_id: str, student_uid: str, code: str) -> bool:
        """Takes the code for this registration; False when it is no code or held by another. A
        register's own number (FS's candidate number) is always taken as it is."""
        if is_register_number(code):
            return True
        try:
            prefix, number = code_parts(code)
        except ValueError:
            return False
        term = self.terms[occasion_id]
        if self.holders.setdefault((term, prefix, number), (occasion_id, student_uid)) != (
            occasion_id,
            student_uid,
        ):
            return False
        self.highest[(term, prefix)] = max(self.highest.get((term, prefix), 0), number)
        return True

    @staticmethod
    def read(
        session: Session, prefixes: dict[str, str], proposed: pd.Series, occasion_ids: pd.Series
    ) -> Numbering:
        """What the store holds for these occasions' prefixes and the register's proposed codes."""
        terms = term_codes.terms(session, occasion_ids=list(prefixes))
        highest = term_codes.highest(session, keys={(terms[o], p) for o, p in prefixes.items()})
        keys = set()
        for occasion_id, code in zip(occasion_ids, proposed, strict=True):
            if isinstance(code, str) and is_valid_code(code):
                keys.add((terms[occasion_id], *code_parts(code)))
        return Numbering(terms, highest, term_codes.holders(session, keys=keys))


def apply_sync(register: pd.DataFrame, held: pd.DataFrame, prefixes: dict[str, str]) -> SyncSummary:
    """Diffs the register against what we hold and writes the difference in one transaction."""
    current = held[held.status == "registered"]
    theirs = register.rename(columns={"occasion_id": "occasion_uid"})
    ours = current.rename(columns={"occasion_id": "occasion_uid"})
    diff = diff_registrations(theirs, ours)
    moved = field_changes(theirs, ours, REWRITTEN_COLUMNS)
    at = positions(pd.concat([diff.adds, diff.extra_time_changes, moved]), theirs)  # register rows all
    touched = np.zeros(len(register), dtype=bool)
    touched[at[at >= 0]] = True
    with transaction() as session:
        touched_rows = register[touched]
        numbering = Numbering.read(
            session, prefixes, touched_rows["anonymisation_code"], touched_rows["occasion_id"]
        )
        changed = _with_codes(touched_rows, held, prefixes, numbering).assign(status="registered")
        registrations.save_students(session, changed.rename(columns={"student_uid": "uid"}))
        registrations.save(session, changed)
        for occasion_id, group in diff.removals.groupby("occasion_uid"):
            registrations.mark_removed(session, occasion_id=occasion_id, student_uids=list(group.student_uid))
        _audit_sync(session, len(prefixes), diff, moved)
    return SyncSummary(
        occasions=len(prefixes),
        registered=len(register),
        adds=len(diff.adds),
        removals=len(diff.removals),
        extra_time_changes=len(diff.extra_time_changes),
        other_changes=len(moved),
        unchanged=diff.unchanged - _outside(moved, diff.extra_time_changes),
        changes=_change_rows(diff, changed, held),
    )


def _audit_sync(session: Session, occasions: int, diff: RegistrationDiff, moved: pd.DataFrame) -> None:
    audit.record(
        session,
        actor="registration-sync",
        action="registrations.synced",
        occasion_id=None,
        detail={
            "occasions": occasions,
            "adds": len(diff.adds),
            "removals": len(diff.removals),
            "extra_time_changes": len(diff.extra_time_changes),
            "other_changes": len(moved),
        },
    )


def _outside(rows: pd.DataFrame, others: pd.DataFrame) -> int:
    """How many of `rows` (by occasion and student) are not among `others`."""
    return int((positions(rows, others) < 0).sum())


def _change_rows(diff, changed: pd.DataFrame, held: pd.DataFrame) -> list[dict[str, str | int]]:
    """Changes by anonymisation code (never by name), for the artifact."""
    rows: list[dict[str, str | int]] = []
    for kind, frame, coded in (
        ("added", diff.adds, changed),
        ("extra time", diff.extra_time_changes, changed),
        ("removed", diff.removals, held),
    ):
        shown = frame.head(CHANGES_SHOWN - len(rows))
        codes = _codes_held(shown, coded, "occasion_uid")
        for r, code in zip(shown.itertuples(index=False), codes, strict=True):
            rows.append(
                {
                    "occasion": r.occasion_uid,
                    "candidate": code if isinstance(code, str) else "",
                    "change": kind,
                    "extra_time_minutes": int(r.extra_time_minutes),
                }
            )
    return rows


def _codes_held(rows: pd.DataFrame, held: pd.DataFrame, occasion_column: str) -> np.ndarray:
    """The anonymisation code `held` has for each of `rows` (by occasion and student), else NaN."""
    at = positions(rows, held, occasion_column, "occasion_id")
    codes = np.append(held["anonymisation_code"].to_numpy(dtype=object), np.nan)
    return codes[at]  # -1, where `held` lacks the row, picks the NaN appended


def shrink_guard(
    register: pd.DataFrame,
    held: pd.DataFrame,
    statuses: dict[str, str],
    approved: dict[str, list[str]] | None = None,
) -> list[HeldOccasion]:
    """The occasions whose answer must wait for a coordinator (rules.shrink), counted in bulk.
    An occasion whose removals are all among the codes a coordinator `approved` is not held."""
    current = held[held.status == "registered"]
    gone = current[positions(current, register, "occasion_id", "occasion_id") < 0]
    ours = current.groupby("occasion_id").size()
    theirs = register.groupby("occasion_id").size()
    removed = gone.groupby("occasion_id").size()
    shrinks = [
        Shrink(o, int(ours.get(o, 0)), int(theirs.get(o, 0)), int(removed.get(o, 0)), status)
        for o, status in statuses.items()
    ]
    found = []
    for hold in holds(shrinks, get_settings().sync_max_removed_share):
        codes = sorted(gone.anonymisation_code[gone.occasion_id == hold.occasion_id])
        if approved is not None and set(codes) <= set(approved.get(hold.occasion_id, ())):
            continue
        found.append(HeldOccasion(**vars(hold), codes=codes))
    return found


def _record_held(found: list[HeldOccasion]) -> None:
    """Audits each held occasion by its counts (never its codes)."""
    with transaction() as session:
        for h in found:
            audit.record(
                session,
                actor="registration-sync",
                action="registrations.held",
                occasion_id=h.occasion_id,
                detail={"held": h.held, "answered": h.answered, "removals": h.removals, "reason": h.reason},
            )


@task(name="list-syncable-occasions")
def list_syncable_occasions() -> list[str]:
    """The occasions the nightly sync covers: approved, with a platform test, not yet closed."""
    with transaction() as session:
        return occasions.syncable_ids(session)


@task(name="sync-from-register", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def sync_from_register(occasion_ids: list[str], approved: dict[str, list[str]] | None = None) -> SyncSummary:
    """Fetches every registration of these occasions (pooled, concurrent) and stores the changes,
    with the cyclic garbage collector paused (see tasks.collector). Extra time, room and
    equipment are the decisions held in our store valid on each exam's day, or the register's
    own (Norway: FS's granted applications; Ladok holds none).
    An occasion the shrink guard holds is left as it is, unless a coordinator `approved` the
    removal of every code its answer removes."""
    with collector.paused():
        with transaction() as session:
            countries = occasions.countries(session, occasion_ids)
        with _READING:
            registered, granted = _read_registers(occasion_ids, countries)
        with transaction() as session:
            held = registrations.frame(session, occasion_ids=occasion_ids)
            prefixes = registrations.code_prefixes(session, occasion_ids=occasion_ids)
            statuses = registrations.occasion_statuses(session, occasion_ids=occasion_ids)
            wanted = {occ: [r.student_uid for r in found] for occ, found in registered.items()}
            accommodations = _with_register_decisions(support.granted_on(session, wanted), granted)
        answer = register_frame(registered, accommodations)
        found = shrink_guard(answer, held, statuses, approved)
        if found:
            _record_held(found)
        kept = {o: prefix for o, prefix in prefixes.items() if o not in {h.occasion_id for h in found}}
        summary = apply_sync(
            answer[answer.occasion_id.isin(list(kept))], held[held.occasion_id.isin(list(kept))], kept
        ).model_copy(update={"held": found})
    _log_sync(len(registered), summary)
    return summary


def read_ahead(batches: Sequence[B], start: Callable[[B], Outcome[T]]) -> Iterator[tuple[B, T]]:
    """Each batch with its outcome, in order, the next batch started before this one's is taken:
    its register read (one at a time, `_READING`) waits on the register's latency while this one
    is stored, which at 40 ms a call is most of the sync's time (`bench/sync.py`). Two batches at
    most are under way, so at most two batches' answers are held at once."""
    started: deque[tuple[B, Outcome[T]]] = deque()
    for batch in batches:
        started.append((batch, start(batch)))
        if len(started) == 2:
            first, outcome = started.popleft()
            yield first, outcome.result()
    for first, outcome in started:
        yield first, outcome.result()


def _read_registers(
    occasion_ids: list[str], countries: dict[str, str]
) -> tuple[dict[str, list[RegisteredStudent]], dict[str, list[Accommodation]]]:
    """Each occasion's registrations and the accommodations its register granted, read from the
    register of the occasion's country (Sweden's, for one not yet planned)."""
    by_country: dict[Country, list[str]] = {}
    for occasion_id in occasion_ids:
        by_country.setdefault(Country(countries.get(occasion_id, Country.SE)), []).append(occasion_id)
    registered: dict[str, list[RegisteredStudent]] = {}
    granted: dict[str, list[Accommodation]] = {}
    for country, ids in by_country.items():
        with systems().register(country=country) as register:
            registered |= register.registered_many(ids)
            granted |= {occasion_id: register.accommodations(occasion_id) for occasion_id in ids}
    return registered, granted


def _with_register_decisions(
    ours: dict[str, list[Accommodation]], theirs: dict[str, list[Accommodation]]
) -> dict[str, list[Accommodation]]:
    """The coordinator's decisions held in our store, a student's decision in the register (FS's
    granted application) taking their place."""
    merged: dict[str, list[Accommodation]] = {}
    for occasion_id in ours.keys() | theirs.keys():
        by_student = {a.student_uid: a for a in ours.get(occasion_id, [])}
        by_student |= {a.student_uid: a for a in theirs.get(occasion_id, [])}
        merged[occasion_id] = list(by_student.values())
    return merged


def _log_sync(asked: int, s: SyncSummary) -> None:
    log = run_logger()
    log.info(
        f"Read {asked} occasion(s) from the register and applied {s.occasions}: {s.registered} "
        f"registration(s) answered, {s.adds} added, {s.removals} removed, {s.extra_time_changes} with "
        f"new extra time, {s.other_changes} otherwise changed, {s.unchanged} unchanged."
    )
    for h in s.held:
        log.warning(
            f"Held occasion {h.occasion_id} for a coordinator, nothing of it written: {h.reason} "
            f"(we hold {h.held}, the register answered {h.answered}, {h.removals} would be removed)."
        )


@task(name="start-shrink-review", **REPLAY_SAFE)
def start_shrink_review(occasion_id: str, chain: bool) -> str:
    """Starts a `registration-sync` run that asks a coordinator about this held occasion; keyed on
    this run and the occasion, so a replayed run starts none twice; none when an earlier review
    still waits for a coordinator. Returns the review's run id."""
    with transaction() as session:
        waiting = registrations.review_waiting(session, occasion_id=occasion_id)
    if waiting is not None:
        run_logger().info(
            f"Held occasion {occasion_id} already waits for a coordinator in flow run {waiting}."
        )
        return waiting
    run_id = start_run(
        "registration-sync",
        {"params": {"occasion_uids": [occasion_id], "review_shrink": True, "chain": chain}},
        idempotency_key=f"{flow_run.id}:shrink-review:{occasion_id}",
    )
    run_logger().info(f"Started the review of held occasion {occasion_id} as flow run {run_id}.")
    return run_id


@task(name="record-shrink-decision", **REPLAY_SAFE)
def record_shrink_decision(held: HeldOccasion, *, approver_id: str, applied: bool) -> None:
    """Audits a coordinator's decision on a held occasion by the counts they were shown: a rejection
    when given, an approval once the answer is applied."""
    with transaction() as session:
        audit.record(
            session,
            actor=approver_id,
            action="registrations.shrink-applied" if applied else "registrations.shrink-rejected",
            occasion_id=held.occasion_id,
            detail={"held": held.held, "answered": held.answered, "removals": held.removals},
        )
    decided = "approved, and it was applied" if applied else "rejected: the occasion is left as it was"
    run_logger().info(
        f"{approver_id} decided on the register's answer for occasion {held.occasion_id} "
        f"({held.removals} of {held.held} registration(s) to remove): {decided}."
    )


def _as_pushed(candidate: PlatformCandidate) -> PlatformCandidate:
    """A listed candidate as examflow pushes one: without the platform's own candidate id, so that
    an unchanged candidate compares equal and is not posted again."""
    return candidate.model_copy(update={"candidate_id": ""})


def candidates_wanted(session: Session, occasion_id: str) -> dict[str, PlatformCandidate]:
    """The candidates the occasion's platform test should hold, by student uid: each registration
    with its code, its extra time and the room of its seat in the seating plan."""
    places = seating.places(session, occasion_id=occasion_id)
    return {
        r.student_uid: PlatformCandidate(
            external_user_id=r.student_uid,
            candidate_code=r.anonymisation_code,
            extra_time_minutes=r.extra_time_minutes,
            building=places.get(r.student_uid, ("", ""))[0],
            room=places.get(r.student_uid, ("", ""))[1],
        )
        for r in registrations.registered(session, occasion_id=occasion_id)
    }


@task(name="push-to-platform", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def push_to_platform(occasion_ids: Sequence[str]) -> PushSummary:
    """Makes each occasion's platform test hold exactly its registered candidates, their extra time
    and their rooms."""
    added = removed = updated = pushed = 0
    with systems().platform() as platform:
        for occasion_id in occasion_ids:
            with transaction() as session:
                test_id = occasions.get(session, occasion_id).platform_test_id
                wanted = candidates_wanted(session, occasion_id)
            if test_id is None:
                continue
            held = {c.external_user_id: _as_pushed(c) for c in platform.list_candidates(test_id)}
            changes = [c for uid, c in wanted.items() if held.get(uid) != c]
            gone = [uid for uid in held if uid not in wanted]
            platform.add_candidates(test_id, changes)
            platform.remove_candidates(test_id, gone)
            added += sum(uid not in held for uid in wanted)
            updated += sum(uid in held and held[uid] != c for uid, c in wanted.items())
            removed += len(gone)
            pushed += 1
    run_logger().info(
        f"Brought {pushed} platform test(s) in line with the store: {added} candidate(s) added, "
        f"{removed} removed, {updated} with extra time or room updated."
    )
    return PushSummary(occasions=pushed, added=added, removed=removed, extra_time_updated=updated)
