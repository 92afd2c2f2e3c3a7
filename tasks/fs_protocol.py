"""Grades into FS by protocol file ("register new grade"): a new grade after an appeal, and the
grades the platform's once-only transfer dropped or changed. The exam office imports the file into
FS; the grades are confirmed as the transfer's are, by reading FS back (`tasks.fs_transfer.read_back`)."""

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
def write_protocol(occasion_id: str, registration_ids: list[int], label: str, note: str) -> Path:
    """The candidates' approved grades as the protocol file `<occasion>-<label>.csv` under
    `$EXAMFLOW_HOME/fs/protocols/`, whole or not at all (a later one of the same label replaces
    it); audited."""
    grades = graded(occasion_id, set(registration_ids))
    today = now().date()
    rows = [NewGrade(occasion_id, g.candidate, g.grade, today, note) for g in grades]
    path = get_settings().home / "fs" / "protocols" / f"{occasion_id}-{label}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(protocol_file(rows))
    os.replace(partial, path)
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="results.fs-protocol-written",
            occasion_id=occasion_id,
            detail={"file": path.name, "grades": {g.candidate: g.grade for g in grades}},
        )
    run_logger().info(
        f"{len(rows)} grades of {occasion_id} written as FS's protocol file {path.name}, for the exam "
        "office to import into FS"
    )
    return path


@task(name="confirm-fs-protocol", **REPLAY_SAFE)
def confirm_protocol(occasion_id: str, registration_id: int) -> FsCheck:
    """Reads FS back for the candidate: the new grade confirmed, or the discrepancy listed."""
    (check,) = read_back.fn(occasion_id, [registration_id], ROUTE)
    return check
