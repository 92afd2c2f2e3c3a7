"""A new grade after an appeal, into FS ("register new grade"): the platform's transfer to FS ran
once already, so the grade goes as a protocol file that the exam office imports into FS, and is
confirmed as the transfer is, by reading FS back (`tasks.fs_transfer.read_back`)."""

from __future__ import annotations

import os
from pathlib import Path

from prefect import task

from formats.fs_protocol import NewGrade, protocol_file
from models.fs_transfer import FsCheck
from models.settings import get_settings
from store import audit
from store.db import transaction
from tasks.clock import now
from tasks.fs_transfer import graded, read_back
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

ROUTE = "protocol"  # the ledger's route of a grade registered by protocol file


@task(name="write-fs-protocol", **REPLAY_SAFE)
def write_protocol(occasion_id: str, registration_id: int, decided_by: str) -> Path:
    """The candidate's approved grade as a protocol file under `$EXAMFLOW_HOME/fs/protocols/`,
    whole or not at all; audited. The same grade twice writes the same file."""
    (grade,) = graded(occasion_id, {registration_id})
    row = NewGrade(
        unit_id=occasion_id,
        candidate=grade.candidate,
        grade=grade.grade,
        decided_on=now().date(),
        note=f"new grade after appeal, decided by {decided_by}",
    )
    path = get_settings().home / "fs" / "protocols" / f"{occasion_id}-{grade.candidate}-{grade.grade}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(protocol_file([row]))
    os.replace(partial, path)
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="results.fs-protocol-written",
            occasion_id=occasion_id,
            detail={"candidate": grade.candidate, "grade": grade.grade, "file": path.name},
        )
    run_logger().info(
        f"The new grade of {grade.candidate} on {occasion_id} written as FS's protocol file {path.name}, "
        "for the exam office to import into FS"
    )
    return path


@task(name="confirm-fs-protocol", **REPLAY_SAFE)
def confirm_protocol(occasion_id: str, registration_id: int) -> FsCheck:
    """Reads FS back for the candidate: the new grade confirmed, or the discrepancy listed."""
    (check,) = read_back.fn(occasion_id, [registration_id], ROUTE)
    return check
