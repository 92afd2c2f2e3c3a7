"""What the faculty registers of an appeal and a justification (NTNU's roles matrix): in Norway's
register, FS (the appeal, its old result marked under appeal until the new grading is registered,
and the justification given), and in the records archive (the appeal as received, the justification
as given). A Swedish exam, whose register is not FS, is registered in the archive alone, and the
run's log says so."""

from __future__ import annotations

import json
from datetime import date

from prefect import task

from integrations.http import ApiError
from models.domain import ArchivedDocument, Country
from store import audit, occasions
from store.db import transaction
from store.schema import JustificationRecord
from tasks.archive import file_one, justification
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems


def _in_fs(occasion_id: str) -> bool:
    with transaction() as session:
        country = Country(occasions.get(session, occasion_id).country)
    held = country == Country.NO
    if not held:
        run_logger().info(f"{occasion_id} is a Swedish exam: its register is Ladok, nothing is registered in FS")
    return held


def _audit(occasion_id: str, action: str, detail: dict[str, object]) -> None:
    with transaction() as session:
        audit.record(session, actor="faculty", action=action, occasion_id=occasion_id, detail=detail)


@task(name="mark-appeal-in-fs", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def mark_appeal(occasion_id: str, appeal_id: int, candidate: str, received_on: date) -> str | None:
    """Registers the appeal in FS and has its old result marked under appeal; FS's id of the appeal,
    or None when the exam's register is not FS. Refused, naming the candidate, when FS leaves the
    old result unmarked (an appeal it holds as decided)."""
    if not _in_fs(occasion_id):
        return None
    with systems().requests() as fs:
        mark = fs.mark_appeal(occasion_id, candidate, received_on)
    if not mark.result_blocked:
        raise ApiError(
            "fs",
            None,
            f"klage {mark.appeal_id} of {candidate}: FS holds it {mark.status.value}, "
            "its old result not marked under appeal",
        )
    _audit(occasion_id, "appeal.registered_in_fs", {"appeal_id": appeal_id, "fs_appeal": mark.appeal_id})
    run_logger().info(
        f"Appeal of {candidate} registered in FS (klage {mark.appeal_id}): the old result is marked under appeal"
    )
    return mark.appeal_id


@task(name="close-appeal-in-fs", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def close_appeal(occasion_id: str, appeal_id: int, fs_appeal: str) -> None:
    """The new grading is registered: FS's appeal decided and the old result's mark lifted."""
    with systems().requests() as fs:
        mark = fs.close_appeal(fs_appeal)
    if mark.result_blocked:
        raise ApiError("fs", None, f"klage {fs_appeal}: FS still marks the old result under appeal")
    _audit(occasion_id, "appeal.closed_in_fs", {"appeal_id": appeal_id, "fs_appeal": fs_appeal})
    run_logger().info(
        f"Appeal {appeal_id} decided in FS (klage {fs_appeal}): the old result's mark is lifted"
    )


@task(name="archive-appeal-received", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_appeal_received(
    occasion_id: str, appeal_id: int, candidate: str, received_on: date
) -> ArchivedDocument:
    """The appeal as received, filed in the exam's case in the archive (by candidate number only)."""
    body = json.dumps(
        {"candidate": candidate, "received": received_on.isoformat(), "appeal": appeal_id}
    ).encode()
    filed = file_one(
        occasion_id, "appeal-received", f"appeal-received-{candidate}.json", body, "application/json"
    )
    _audit(
        occasion_id,
        "appeal.received_archived",
        {"appeal_id": appeal_id, "case_id": filed.case_id, "sha256": filed.sha256},
    )
    run_logger().info(
        f"The appeal of {candidate} as received is filed in case {filed.case_id} of {occasion_id}"
    )
    return filed


@task(name="register-justification", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def register_justification(occasion_id: str, justification_id: int, candidate: str) -> ArchivedDocument:
    """The justification given, registered in FS (where the exam's register is FS) and filed in the
    exam's case in the archive, the same document the archive flow files."""
    with transaction() as session:
        record = session.get(JustificationRecord, justification_id)
        if record is None or record.given_on is None:
            raise LookupError(f"justification {justification_id} of {candidate} is not given")
        requested_on, given_on = record.requested_on, record.given_on
        name, body = justification(record, candidate)
    if _in_fs(occasion_id):
        with systems().requests() as fs:
            mark = fs.register_justification(occasion_id, candidate, requested_on, given_on)
        _audit(
            occasion_id,
            "justification.registered_in_fs",
            {"candidate": candidate, "fs_request": mark.request_id},
        )
    filed = file_one(occasion_id, "justification", name, body, "application/json")
    run_logger().info(f"The justification of {candidate} is registered and filed in case {filed.case_id}")
    return filed
