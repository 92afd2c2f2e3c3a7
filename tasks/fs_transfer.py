"""Norway's results into FS. FS takes no grades over its API: they reach it through the exam
platform's own transfer, which runs once only, or, for a new grade after an appeal, through a
protocol file the exam office imports. So examflow checks, previews against what FS holds, has the
platform transfer, and then reads FS back and reconciles by candidate number: what the transfer
dropped or changed is listed and audited, each candidate's ledger row failed saying so, never lost.
"""

from __future__ import annotations

from datetime import date

from prefect import task
from sqlalchemy.orm import Session

from integrations.http import AlreadyDone
from models.domain import Country
from models.fs_transfer import Discrepancy, FsCheck, FsPreviewItem, PlatformTransfer
from rules import fs_transfer as rules
from rules.fs_transfer import Graded
from rules.grades import Scale
from store import audit, committees, grading, occasions, transfer
from store.db import transaction
from tasks.platform_results import platform_test_id
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems
from tasks.transfer import check_before_transfer


def through_platform(occasion_id: str) -> bool:
    """Whether the exam's results reach its register through the platform (a Norwegian exam: FS)."""
    with transaction() as session:
        return Country(occasions.get(session, occasion_id).country) == Country.NO


def graded(occasion_id: str, registration_ids: set[int] | None = None) -> list[Graded]:
    """The approved grades, as FS names them, by candidate number; refused when off FS's scales."""
    with transaction() as session:
        frame = grading.grade_frame(session, occasion_id=occasion_id)
        scale = Scale(occasions.get(session, occasion_id).scale)
    approved = frame[frame.grade_status == "approved"]
    rows = [
        (int(r.registration_id), str(r.anonymisation_code), str(r.grade))
        for r in approved.itertuples(index=False)
        if registration_ids is None or r.registration_id in registration_ids
    ]
    return rules.for_fs(scale, rows)


@task(name="check-before-fs-transfer", **REPLAY_SAFE)
def check_before_fs_transfer(occasion_id: str) -> dict[str, int]:
    """The Swedish checks (attendance, equal credits), then FS's: every graded candidate graded by
    a commission with graders, and every grade on a scale FS has."""
    checked = check_before_transfer.fn(occasion_id)
    grades = graded(occasion_id)
    with transaction() as session:
        held = committees.grading_committees(session, occasion_id=occasion_id)
        committed = {
            code
            for name in held
            for code in committees.candidates_of(session, occasion_id=occasion_id, name=name).values()
        }
    rules.check_commissions([g.candidate for g in grades], committed, held)
    run_logger().info(
        f"Checked {occasion_id} for FS: {len(grades)} grades on FS's scale, each graded by one of "
        f"{len(held)} commissions"
    )
    return {**checked, "commissions": len(held)}


@task(name="preview-fs-transfer", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def preview_fs_transfer(occasion_id: str) -> list[FsPreviewItem]:
    """Reads what FS holds of the unit now and compares; writes nothing."""
    with systems().requests() as fs:
        held = rules.valid_results(fs.results(occasion_id))
    items = rules.preview(graded(occasion_id), held)
    new = sum(i.action == "new" for i in items)
    run_logger().info(
        f"Compared {occasion_id} with FS: {new} new, {len(items) - new} already held there "
        f"({len(held)} valid results in FS)"
    )
    return items


def _key(occasion_id: str, g: Graded, route: str) -> str:
    return f"{occasion_id}:{g.registration_id}:{g.grade}:{route}"


def _begin(occasion_id: str, grades: list[Graded], route: str, exam_date: date) -> None:
    rows = [
        dict(
            key=_key(occasion_id, g, route),
            registration_id=g.registration_id,
            grade=g.grade,
            exam_date=exam_date,
        )
        for g in grades
    ]
    with transaction() as session:
        transfer.begin_many(session, occasion_id=occasion_id, rows=rows)


def _exam_date(occasion_id: str) -> date:
    with transaction() as session:
        return occasions.get(session, occasion_id).starts_at.date()


@task(name="transfer-through-platform", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def transfer_through_platform(occasion_id: str) -> PlatformTransfer | None:
    """The platform's once-only transfer of the grades FS does not hold yet, a pending ledger row
    committed for each first. None when the platform had transferred already (a replay, or a
    second run): the read-back then tells what reached FS."""
    items = preview_fs_transfer.fn(occasion_id)
    new = [Graded(i.registration_id, i.candidate, i.grade) for i in items if i.action == "new"]
    _begin(occasion_id, new, "platform", _exam_date(occasion_id))
    try:
        with systems().platform() as platform:
            answer: PlatformTransfer | None = platform.transfer_to_fs(
                platform_test_id(occasion_id), {g.candidate: g.grade for g in new}
            )
    except AlreadyDone as exc:
        run_logger().info(
            f"The platform had transferred {occasion_id} to FS already ({exc}): reading FS back"
        )
        answer = None
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="results.platform-transfer",
            occasion_id=occasion_id,
            detail={
                "sent": len(new),
                "transferred": None if answer is None else answer.transferred,
                "failed": [] if answer is None else list(answer.failed),
                "already_transferred": answer is None,
            },
        )
    if answer is not None:
        run_logger().info(
            f"The platform transferred {answer.transferred} of {len(new)} results of {occasion_id} to FS; "
            f"it reported {len(answer.failed)} failed"
        )
    return answer


@task(name="read-back-fs", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def read_back(
    occasion_id: str, registration_ids: list[int] | None = None, route: str = "platform"
) -> list[FsCheck]:
    """Reads FS back and reconciles each approved grade (or those of `registration_ids`) by
    candidate number: confirmed in the ledger where FS holds it, failed where FS dropped or
    changed it, each discrepancy audited. The exam is transferred only when nothing is missing; an
    archived exam whose candidates' new grades are all confirmed is transferred again."""
    grades = graded(occasion_id, None if registration_ids is None else set(registration_ids))
    with systems().requests() as fs:
        found = rules.valid_results(fs.results(occasion_id))
    checks = rules.reconcile(grades, found)
    _begin(occasion_id, grades, route, _exam_date(occasion_id))
    outcomes = [_outcome(_key(occasion_id, g, route), c) for g, c in zip(grades, checks, strict=True)]
    wrong = [c for c in checks if c.discrepancy is not None]
    with transaction() as session:
        transfer.finish_many(session, outcomes)
        audit.record_many(
            session,
            actor="examflow",
            action="results.fs-discrepancy",
            occasion_id=occasion_id,
            details=[
                {"candidate": c.candidate, "sent": c.sent, "found": c.found, "discrepancy": c.discrepancy}
                for c in wrong
            ],
        )
        audit.record(
            session,
            actor="examflow",
            action="results.fs-reconciled",
            occasion_id=occasion_id,
            detail={"checked": len(checks), "confirmed": len(checks) - len(wrong), **_counts(wrong)},
        )
        _settle_status(session, occasion_id, whole_exam=registration_ids is None, all_found=not wrong)
    run_logger().info(
        f"Read {occasion_id} back from FS: {len(checks) - len(wrong)} of {len(checks)} grades confirmed; "
        f"{_counts(wrong)['dropped']} dropped, {_counts(wrong)['changed']} changed (listed in the artifact)"
    )
    return checks


def _settle_status(session: Session, occasion_id: str, *, whole_exam: bool, all_found: bool) -> None:
    """The exam's status after a read-back: transferred (or not) after the whole exam; after some
    new grades, an archived exam is transferred again once they are all found, so the next sweep
    files the changed protocol in the same case (an appeal admitted late), as after Ladok."""
    if whole_exam:
        status = "transferred" if all_found else "transfer-incomplete"
        occasions.set_status(session, occasion_id=occasion_id, status=status)
    elif all_found and occasions.get(session, occasion_id).status == "archived":
        occasions.set_status(session, occasion_id=occasion_id, status="transferred")


def _counts(wrong: list[FsCheck]) -> dict[str, int]:
    return {d.value: sum(c.discrepancy == d for c in wrong) for d in Discrepancy}


def _outcome(key: str, check: FsCheck) -> transfer.Outcome:
    if check.discrepancy is None:
        return transfer.Outcome(key, "confirmed", result_uid=check.result_id)
    held = "no result" if check.found is None else check.found
    return transfer.Outcome(
        key, "failed", error=f"{check.discrepancy}: FS holds {held} where {check.sent} is approved"
    )
