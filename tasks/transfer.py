"""Result transfer: preview against the register, then write drafts effectively once via the ledger.

One transfer per exam at a time (a lease in our store). Each write has a ledger row committed
before it and confirmed after; the register's state is read first, drafts are created only where
none exists and updated with their optimistic-lock token; a stale token is re-read once. A rerun
after any crash reads the register back, confirms what landed and writes only the rest.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pandas as pd
from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.context import TaskRunContext

from integrations.http import ApiError, StaleVersion, Unavailable
from integrations.protocols import StudentRegister
from models.domain import Country, StudyResult
from models.ladok_codes import grade_id
from models.transfer import Action, TransferItem, TransferOutcome
from rules.attendance import check_attendance
from rules.transfer import TransferRefused, action, equal_credits, plan_items
from store import audit, grading, locks, occasions, transfer
from store.db import transaction
from tasks.clock import now
from tasks.exam_names import key_of, title_of
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import counted, run_logger
from tasks.systems import systems

WRITERS = 16  # concurrent writes, bounded; EXAMFLOW_LADOK_REQUESTS_PER_SECOND caps the rate
RECORD_EVERY = 100  # outcomes recorded per ledger transaction
ARTIFACT_EVERY_SECONDS = 1.0  # the progress artifact's updates, at most
LEASE = timedelta(minutes=2)  # renewed as writes progress; a crashed run's lease lapses soon
log = logging.getLogger(__name__)


class TransferBusy(Exception):
    """Another transfer of the same exam is running."""


def _grades(occasion_id: str) -> pd.DataFrame:
    with transaction() as session:
        return grading.grade_frame(session, occasion_id=occasion_id)


@task(name="check-before-transfer", **REPLAY_SAFE)
def check_before_transfer(occasion_id: str) -> dict[str, int]:
    """Everyone who submitted has an approved grade, no-shows have none, and the occasion's
    modules carry equal credits; refused, naming whom or what, otherwise."""
    frame = _grades(occasion_id)
    approved = frame.where(frame.grade_status == "approved")
    report = check_attendance(
        pd.DataFrame(
            {
                "candidate_code": frame.anonymisation_code,
                "attendance": frame.attendance.fillna("absent"),
                "grade": approved.grade,
            }
        )
    )
    if not report.ok:
        raise TransferRefused(
            f"submitted without an approved grade: {report.submitted_without_grade[:20]}; "
            f"graded without a submission: {report.graded_without_submission[:20]}"
        )
    with transaction() as session:
        equal_credits(occasions.module_credits(session, occasion_id=occasion_id))
    graded = int(approved.grade.notna().sum())
    run_logger().info(
        f"Checked {occasion_id} before transfer: {graded} approved grades for {len(frame)} candidates; "
        "every submission has one, no no-show has one, the modules carry equal credits"
    )
    return {"candidates": len(frame), "graded": graded}


def _read(register: StudentRegister, occasion_id: str) -> dict[str, StudyResult]:
    return {r.study_result_uid: r for r in register.search_study_results(occasion_id)}


def _country(occasion_id: str) -> Country:
    """Whose register holds the exam's results."""
    with transaction() as session:
        return Country(occasions.get(session, occasion_id).country)


def _scale(occasion_id: str) -> int:
    with transaction() as session:
        return occasions.get(session, occasion_id).register_scale_id


@task(name="preview-transfer", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def preview_transfer(occasion_id: str) -> list[TransferItem]:
    """Reads what the register holds now and compares; writes nothing."""
    with systems().register(country=_country(occasion_id)) as register:
        items = plan_items(_grades(occasion_id), _read(register, occasion_id), _scale(occasion_id), grade_id)
    counts = {a.value: n for a in Action if (n := sum(i.action == a for i in items))}
    run_logger().info(f"Compared {occasion_id} with the register: {counted(counts)} (results by action)")
    return items


@contextmanager
def _lease(occasion_id: str) -> Iterator[Callable[[], None]]:
    """Holds the exam's transfer lease; yields a function that renews it."""
    name, holder = f"transfer:{occasion_id}", str(uuid.uuid4())
    try:
        with transaction() as session:
            locks.acquire(session, name=name, holder=holder, now=now(), ttl=LEASE)
    except locks.Busy as exc:
        raise TransferBusy(f"another transfer of {occasion_id} is running: {exc}") from None

    def renew() -> None:
        with transaction() as session:
            locks.renew(session, name=name, holder=holder, now=now(), ttl=LEASE)

    try:
        yield renew
    finally:
        with transaction() as session:
            locks.release(session, name=name, holder=holder)


@task(name="transfer-results", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def transfer_results(occasion_id: str, only: list[int] | None = None) -> TransferOutcome:
    """Writes every new or changed approved grade as a draft, showing progress as it goes."""
    scale_id = _scale(occasion_id)
    with (
        _lease(occasion_id) as renew,
        systems().register(country=_country(occasion_id), writers=WRITERS) as register,
    ):
        held = _read(register, occasion_id)
        items = [
            i
            for i in plan_items(_grades(occasion_id), held, scale_id, grade_id)
            if only is None or i.registration_id in only
        ]
        _confirm_landed(occasion_id, items, held)
        todo = [i for i in items if i.action in (Action.NEW, Action.UPDATE)]
        progress = _Progress(occasion_id, len(todo), renew)
        failed = _write_all(register, occasion_id, scale_id, todo, held, progress)
    with transaction() as session:
        ledger = transfer.counts(session, occasion_id=occasion_id)
        status = "transferred" if not failed else "transfer-incomplete"
        occasions.set_status(session, occasion_id=occasion_id, status=status)
        audit.record(
            session,
            actor="examflow",
            action="results.transferred",
            occasion_id=occasion_id,
            detail={"written": len(todo) - len(failed), "failed": len(failed)},
        )
    run_logger().info(
        f"Transfer of {occasion_id}: {len(todo) - len(failed)} of {len(todo)} written to the register, "
        f"{len(failed)} refused (listed in the artifact); {len(items) - len(todo)} unchanged or attested"
    )
    return TransferOutcome(
        written=len(todo) - len(failed),
        unchanged=sum(i.action == Action.UNCHANGED for i in items),
        locked=sum(i.action == Action.LOCKED for i in items),
        failed=failed,
        ledger=ledger,
    )


class _Progress:
    """Progress every 2 % of the writes: a log line always, and an artifact in the UI when run as a
    task, updated at most once a second (and at the end): each update is a call to the Prefect
    server, which at every 2 % of a few fast writes took seconds of the transfer (`bench/overhead.py`).
    Renews the lease as it goes."""

    def __init__(self, occasion_id: str, total: int, renew: Callable[[], None]) -> None:
        self.occasion_id, self.total, self.done, self.shown, self.renew = occasion_id, total, 0, 0.0, renew
        self.updated = time.monotonic()
        self.artifact = None
        if TaskRunContext.get() is not None:
            self.artifact = create_progress_artifact(
                0.0,
                key=key_of("transfer-progress", occasion_id),
                description=f"Writing {total} results of {title_of(occasion_id)} to the register",
            )

    def step(self) -> None:
        self.done += 1
        percent = 100.0 * self.done / self.total
        if percent - self.shown >= 2 or self.done == self.total:
            self.shown = percent
            log.info(
                "transfer of %s: %d of %d written (%.0f %%)", self.occasion_id, self.done, self.total, percent
            )
            last = self.done == self.total
            if self.artifact is not None and (
                last or time.monotonic() - self.updated >= ARTIFACT_EVERY_SECONDS
            ):
                self.updated = time.monotonic()
                update_progress_artifact(self.artifact, percent)  # type: ignore[arg-type]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
            self.renew()


def _key(occasion_id: str, item: TransferItem, held: dict[str, StudyResult]) -> str:
    """One key per write: the grade, and the draft version it replaces ('new' where none), so a
    later change back to an earlier grade is a new write, and a stale retry a new key."""
    draft = held[item.study_result_uid].draft
    base = "new" if draft is None else f"v{draft.version}"
    return f"{occasion_id}:{item.registration_id}:{item.grade}:{item.exam_date.isoformat()}:{base}"


def _send(
    register: StudentRegister, scale_id: int, item: TransferItem, held: dict[str, StudyResult], key: str
) -> transfer.Outcome:
    """One write to the register and how it ended. Unavailable is raised: its row stays pending
    and the rerun reconciles it by reading the register back."""
    fields: dict[str, Any] = dict(
        scale_id=scale_id,
        grade_id=grade_id(scale_id, item.grade),
        exam_date=item.exam_date,
        idempotency_key=key,
    )
    try:
        draft = held[item.study_result_uid].draft
        if draft is None:
            written = register.create_draft(
                study_result_uid=item.study_result_uid, module_uid=item.module_uid, **fields
            )
        else:
            written = register.update_draft(draft=draft, **fields)
    except StaleVersion as exc:
        return transfer.Outcome(key, "stale", error=str(exc))
    except Unavailable:
        raise
    except ApiError as exc:
        return transfer.Outcome(key, "failed", error=str(exc))
    return transfer.Outcome(key, "confirmed", result_uid=written.result_uid)


def _record(outcomes: list[transfer.Outcome]) -> None:
    with transaction() as session:
        transfer.finish_many(session, outcomes)
    outcomes.clear()


def _begin(occasion_id: str, items: list[TransferItem], keys: dict[int, str]) -> None:
    """A pending ledger row for every item, committed before any write to the register."""
    with transaction() as session:
        transfer.begin_many(
            session,
            occasion_id=occasion_id,
            rows=[
                dict(
                    key=keys[i.registration_id],
                    registration_id=i.registration_id,
                    grade=i.grade,
                    exam_date=i.exam_date,
                )
                for i in items
            ],
        )


def _write_batch(
    register: StudentRegister,
    occasion_id: str,
    scale_id: int,
    items: list[TransferItem],
    held: dict[str, StudyResult],
    progress: _Progress | None,
) -> list[tuple[TransferItem, transfer.Outcome]]:
    """Commits a pending ledger row for every item, then writes WRITERS at a time, recording the
    outcomes in batches (and those already in hand if the register goes away mid-run). A stale
    answer is not recorded here: its write may have landed on an earlier try whose answer was lost,
    so its row stays pending until a read-back of the register settles it."""
    keys = {i.registration_id: _key(occasion_id, i, held) for i in items}
    _begin(occasion_id, items, keys)
    done: list[tuple[TransferItem, transfer.Outcome]] = []
    unrecorded: list[transfer.Outcome] = []
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            futures = {
                pool.submit(_send, register, scale_id, i, held, keys[i.registration_id]): i for i in items
            }
            for future in as_completed(futures):
                outcome = future.result()
                done.append((futures[future], outcome))
                if outcome.status != "stale":  # stays pending until the re-read settles it
                    unrecorded.append(outcome)
                if len(unrecorded) >= RECORD_EVERY:
                    _record(unrecorded)
                if progress is not None:
                    progress.step()
    finally:
        _record(unrecorded)
    return done


def _confirm_landed(occasion_id: str, items: list[TransferItem], held: dict[str, StudyResult]) -> None:
    """Settles the pending rows an interrupted run left: confirmed where the register now holds
    their grade, stale where a later grade has replaced theirs or where the write must be made
    again on a newer draft version (under a new key); the rest are written again."""
    by_registration = {i.registration_id: i for i in items}
    settled: list[transfer.Outcome] = []
    with transaction() as session:
        rows = transfer.pending(session, occasion_id=occasion_id)
    for row in rows:
        item = by_registration.get(row.registration_id)
        if item is None:
            continue
        if (item.grade, item.exam_date) != (row.grade, row.exam_date):
            settled.append(
                transfer.Outcome(row.idempotency_key, "stale", error="superseded by a later grade")
            )
        elif item.action != Action.UNCHANGED and _key(occasion_id, item, held) != row.idempotency_key:
            settled.append(
                transfer.Outcome(row.idempotency_key, "stale", error="the draft changed since: written again")
            )
        elif item.action == Action.UNCHANGED:
            draft = held[item.study_result_uid].draft
            settled.append(
                transfer.Outcome(row.idempotency_key, "confirmed", draft.result_uid if draft else None)
            )
    _record(settled)


def _landed(
    stale: list[tuple[TransferItem, transfer.Outcome]],
    found: dict[str, Action],
    fresh: dict[str, StudyResult],
) -> list[transfer.Outcome]:
    """Stale writes whose grade the re-read shows in the register after all (an earlier try of the
    same write landed, its answer lost), confirmed by that read-back."""
    landed = []
    for item, outcome in stale:
        draft = fresh[item.study_result_uid].draft
        if found[outcome.key] == Action.UNCHANGED and draft is not None:
            landed.append(transfer.Outcome(outcome.key, "confirmed", draft.result_uid))
    return landed


def _write_all(
    register: StudentRegister,
    occasion_id: str,
    scale_id: int,
    todo: list[TransferItem],
    held: dict[str, StudyResult],
    progress: _Progress,
) -> list[dict[str, str]]:
    """Writes every item; drafts found stale are re-read once and written again if still needed."""
    done = _write_batch(register, occasion_id, scale_id, todo, held, progress)
    failed = [{"candidate": i.candidate, "reason": o.error or ""} for i, o in done if o.status == "failed"]
    stale = [(i, o) for i, o in done if o.status == "stale"]
    if not stale:
        return failed
    fresh = _read(register, occasion_id)
    found = {
        o.key: action(fresh[i.study_result_uid], grade_id(scale_id, i.grade), scale_id, i.exam_date)
        for i, o in stale
    }
    again = [i for i, o in stale if found[o.key] in (Action.NEW, Action.UPDATE)]
    landed = _landed(stale, found, fresh)
    settled = {o.key for o in landed}
    _record(landed + [o for _, o in stale if o.key not in settled])
    retried = _write_batch(register, occasion_id, scale_id, again, fresh, None)
    still = [
        transfer.Outcome(o.key, "failed", error=f"still stale after a re-read: {o.error}")
        for _, o in retried
        if o.status == "stale"
    ]
    _record(still)
    failed += [
        {"candidate": i.candidate, "reason": o.error or ""} for i, o in retried if o.status != "confirmed"
    ]
    return failed
