"""Scanned sketches: one PDF per candidate code, attached to the candidate's submission on the
platform for the graders and recorded, so that the archive files them with the paper."""

from __future__ import annotations

import hashlib
from pathlib import Path

from prefect import task

from models.domain import Frozen, Role
from models.exam_day import ExamSketches
from models.settings import get_settings
from rules.exam_day import sketch_codes
from store import audit, exam_day, registrations
from store.db import transaction
from tasks import platform_results
from tasks.clock import now
from tasks.on_the_day import ExamDayRefused, check_staff
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems

MAX_SKETCH_BYTES = 20 * 1024 * 1024


class SketchesAttached(Frozen):
    attached: int
    codes: list[str]


def platform_name(code: str) -> str:
    """The sketch's name on the platform: a new scan of the same candidate replaces the old."""
    return f"sketch-{code}.pdf"


def archive_name(code: str, content: bytes) -> str:
    """The sketch's name in the archive, which never replaces: a new scan is filed beside the old."""
    return f"sketch-{code}-{hashlib.sha256(content).hexdigest()[:8]}.pdf"


def sketch_folder(name: str) -> Path:
    """The folder in `<EXAMFLOW_HOME>/uploads`; a name reaching anywhere else is refused."""
    uploads = (get_settings().home / "uploads").resolve()
    folder = (uploads / name).resolve()
    if Path(name).name != name or folder.parent != uploads:
        raise ExamDayRefused(f"{name!r} is not a folder name in the uploads folder {uploads}")
    if not folder.is_dir():
        raise ExamDayRefused(f"no folder {name!r} in the uploads folder {uploads}")
    return folder


def checked_sketches(params: ExamSketches) -> dict[str, Path]:
    """Candidate code → their sketch's file; every file that is not a PDF named by a code of the
    exam, or is larger than 20 MB, is refused together, before anything is attached."""
    folder = sketch_folder(params.folder)
    files = {p.name: p for p in folder.iterdir() if p.is_file()}
    where = f"sketches for {params.occasion_uid} in {params.folder}"
    if not files:
        raise ExamDayRefused(f"{where}: the folder holds no files")
    with transaction() as session:
        codes = {
            r.anonymisation_code for r in registrations.registered(session, occasion_id=params.occasion_uid)
        }
    try:
        by_code = {code: files[name] for code, name in sketch_codes(files, codes).items()}
    except ValueError as exc:
        raise ExamDayRefused(f"{where}: {exc}") from None
    bad = [f"{path.name}: {problem}" for path in by_code.values() if (problem := _not_a_sketch(path))]
    if bad:
        raise ExamDayRefused(f"{where}: {'; '.join(sorted(bad))}")
    return by_code


def _not_a_sketch(path: Path) -> str:
    if path.stat().st_size > MAX_SKETCH_BYTES:
        return "larger than 20 MB"
    with path.open("rb") as file:
        return "" if file.read(5) == b"%PDF-" else "not a PDF file"


@task(name="attach-sketches", **OUTSIDE_RETRIES)
def attach_sketches(params: ExamSketches) -> SketchesAttached:
    """Attaches each sketch, one file read at a time (a rerun attaches the same names again, which
    replaces them), then records each file once with its checksum, and one audit event."""
    occasion_id = params.occasion_uid
    check_staff(params.entered_by, occasion_id, (Role.INVIGILATOR, Role.COORDINATOR))
    sketches = checked_sketches(params)
    with transaction() as session:
        held = {r.anonymisation_code: r for r in registrations.registered(session, occasion_id=occasion_id)}
        session.expunge_all()
    test_id = platform_results.platform_test_id(occasion_id)
    attached: list[tuple[str, str, str, str]] = []  # code, archive name, SHA-256, the platform's id
    with systems().platform() as platform:
        for code, path in sorted(sketches.items()):
            content = path.read_bytes()
            found = platform.attach_file(
                test_id, held[code].student_uid, name=platform_name(code), content=content
            )
            attached.append((code, archive_name(code, content), hashlib.sha256(content).hexdigest(), found))
    with transaction() as session:
        for code, name, digest, attachment_id in attached:
            exam_day.record(
                session,
                registration=held[code],
                kind=exam_day.SKETCH,
                key=name,
                sha256=digest,
                attachment_id=attachment_id,
                reason=platform_name(code),
                entered_by=params.entered_by,
                at=now(),
            )
        audit.record(
            session,
            actor=params.entered_by,
            action="exam.sketches_attached",
            occasion_id=occasion_id,
            detail={"folder": params.folder, "codes": sorted(sketches)},
        )
    run_logger().info(f"Attached {len(sketches)} scanned sketch(es) to submissions of {occasion_id}")
    return SketchesAttached(attached=len(sketches), codes=sorted(sketches))
