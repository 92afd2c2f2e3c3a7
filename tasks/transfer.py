"""Result transfer: preview against the register, then write drafts effectively once via the ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
from prefect import task

from integrations.http import ApiError, StaleVersion, Unavailable
from integrations.protocols import StudentRegister
from models.domain import Frozen, StudyResult
from models.ladok_codes import grade_id
from rules.attendance import check_attendance
from store import audit, grading, occasions, transfer
from store.db import transaction
from tasks import common
from tasks.common import OUTSIDE_RETRIES, REPLAY_SAFE

WRITERS = 8


class TransferRefused(Exception):
    """The pre-transfer check failed; the message names the candidates."""


class TransferItem(Frozen):
    registration_id: int
    candidate: str
    study_result_uid: str
    module_uid: str
    grade: str
    exam_date: date
    action: str  # new, update, unchanged or locked


class TransferOutcome(Frozen):
    written: int
    unchanged: int
    locked: int
    failed: list[dict[str, str]]
    ledger: dict[str, int]


def _approved(occasion_id: str) -> pd.DataFrame:
    with transaction() as session:
        frame = grading.grade_frame(session, occasion_id=occasion_id)
    return frame


@task(name="check-before-transfer", **REPLAY_SAFE)
def check_before_transfer(occasion_id: str) -> dict[str, int]:
    """Everyone who submitted has an approved grade; no-shows have none."""
    frame = _approved(occasion_id)
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
    return {"candidates": len(frame), "graded": int(approved.grade.notna().sum())}


def plan_items(frame: pd.DataFrame, held: dict[str, StudyResult], scale_id: int) -> list[TransferItem]:
    """What each approved grade means for the register now: new, update, unchanged or locked."""
    items = []
    for row in frame[frame.grade_status == "approved"].itertuples(index=False):
        result = held.get(row.study_result_uid)
        if result is None:
            raise TransferRefused(f"candidate {row.anonymisation_code} has no study result in the register")
        items.append(
            TransferItem(
                registration_id=row.registration_id,
                candidate=row.anonymisation_code,
                study_result_uid=row.study_result_uid,
                module_uid=row.module_uid,
                grade=row.grade,
                exam_date=row.exam_date,
                action=_action(result, grade_id(scale_id, row.grade), row.exam_date),
            )
        )
    return items


def _action(result: StudyResult, grade: int, exam_date: date) -> str:
    if result.attested_grade_code is not None:
        return "locked"
    if result.draft is None:
        return "new"
    same = result.draft.grade_id == grade and result.draft.exam_date == exam_date
    return "unchanged" if same else "update"


def _read(register: StudentRegister, occasion_id: str) -> dict[str, StudyResult]:
    return {r.study_result_uid: r for r in register.search_study_results(occasion_id)}


@task(name="preview-transfer", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def preview_transfer(occasion_id: str) -> list[TransferItem]:
    """Reads what the register holds now and compares; writes nothing."""
    with transaction() as session:
        scale_id = occasions.get(session, occasion_id).register_scale_id
    with common.register() as register:
        return plan_items(_approved(occasion_id), _read(register, occasion_id), scale_id)


def _key(occasion_id: str, item: TransferItem, held: dict[str, StudyResult]) -> str:
    """One key per write: the grade, and the draft version it replaces ('new' where none), so a
    later change back to an earlier grade is a new write, and a stale retry a new key."""
    draft = held[item.study_result_uid].draft
    base = "new" if draft is None else f"v{draft.version}"
    return f"{occasion_id}:{item.registration_id}:{item.grade}:{item.exam_date.isoformat()}:{base}"


def _write(
    register: StudentRegister,
    occasion_id: str,
    scale_id: int,
    item: TransferItem,
    held: dict[str, StudyResult],
) -> str:
    """One ledgered write; returns '' or the reason the register refused it. Unavailable is
    raised: the row stays pending and the rerun reconciles it by reading the register back."""
    key = _key(occasion_id, item, held)
    with transaction() as session:
        transfer.begin(
            session,
            key=key,
            occasion_id=occasion_id,
            registration_id=item.registration_id,
            grade=item.grade,
            exam_date=item.exam_date,
        )
    grade = grade_id(scale_id, item.grade)
    try:
        draft = held[item.study_result_uid].draft
        if draft is None:
            written = register.create_draft(
                study_result_uid=item.study_result_uid,
                module_uid=item.module_uid,
                scale_id=scale_id,
                grade_id=grade,
                exam_date=item.exam_date,
                idempotency_key=key,
            )
        else:
            written = register.update_draft(
                draft=draft, scale_id=scale_id, grade_id=grade, exam_date=item.exam_date, idempotency_key=key
            )
    except StaleVersion as exc:
        with transaction() as session:
            transfer.finish(session, key=key, status="stale", error=str(exc))
        raise
    except Unavailable:
        raise
    except ApiError as exc:
        with transaction() as session:
            transfer.finish(session, key=key, status="failed", error=str(exc))
        return str(exc)
    with transaction() as session:
        transfer.finish(session, key=key, status="confirmed", result_uid=written.result_uid)
    return ""


@task(name="transfer-results", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def transfer_results(occasion_id: str, only: list[int] | None = None) -> TransferOutcome:
    """Writes every new or changed approved grade as a draft; a stale draft is re-read once."""
    with transaction() as session:
        scale_id = occasions.get(session, occasion_id).register_scale_id
    with common.register() as register:
        held = _read(register, occasion_id)
        items = [
            i
            for i in plan_items(_approved(occasion_id), held, scale_id)
            if only is None or i.registration_id in only
        ]
        todo = [i for i in items if i.action in ("new", "update")]
        _confirm_landed(occasion_id, items, held)
        failed = _write_all(register, occasion_id, scale_id, todo, held)
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
    return TransferOutcome(
        written=len(todo) - len(failed),
        unchanged=sum(i.action == "unchanged" for i in items),
        locked=sum(i.action == "locked" for i in items),
        failed=failed,
        ledger=ledger,
    )


def _confirm_landed(occasion_id: str, items: list[TransferItem], held: dict[str, StudyResult]) -> None:
    """Pending rows of an earlier, interrupted run whose grade the register now holds are confirmed."""
    landed = {i.registration_id: i for i in items if i.action == "unchanged"}
    with transaction() as session:
        for row in transfer.pending(session, occasion_id=occasion_id):
            item = landed.get(row.registration_id)
            if item is not None and item.grade == row.grade and item.exam_date == row.exam_date:
                draft = held[item.study_result_uid].draft
                transfer.finish(
                    session,
                    key=row.idempotency_key,
                    status="confirmed",
                    result_uid=draft.result_uid if draft else None,
                )


def _write_all(
    register: StudentRegister,
    occasion_id: str,
    scale_id: int,
    todo: list[TransferItem],
    held: dict[str, StudyResult],
) -> list[dict[str, str]]:
    stale: list[TransferItem] = []
    failed: list[dict[str, str]] = []

    def attempt(item: TransferItem) -> None:
        try:
            reason = _write(register, occasion_id, scale_id, item, held)
        except StaleVersion:
            stale.append(item)
            return
        if reason:
            failed.append({"candidate": item.candidate, "reason": reason})

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(attempt, todo))
    if stale:
        held = _read(register, occasion_id)
        for item in stale:
            try:
                reason = _write(register, occasion_id, scale_id, item, held)
            except StaleVersion as exc:
                reason = f"still stale after a re-read: {exc}"
                with transaction() as session:
                    transfer.finish(session, key=_key(occasion_id, item, held), status="failed", error=reason)
            if reason:
                failed.append({"candidate": item.candidate, "reason": reason})
    return failed
