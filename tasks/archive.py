"""Archiving: each candidate's paper, the grade protocol and the appeal decisions, with checksums."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
from prefect import task

from models.domain import ArchivedDocument, Frozen
from models.results import CandidateResult
from store import appeals, archive, audit, grading, occasions, registrations
from store.db import transaction
from store.schema import Appeal
from tasks import common
from tasks.common import OUTSIDE_RETRIES, REPLAY_SAFE


class ArchiveSummary(Frozen):
    case_id: str
    documents: int
    papers: int
    bytes: int
    verified: bool


def paper(result: CandidateResult, code: str) -> bytes:
    """A candidate's paper as submitted: answers per question, by anonymisation code only."""
    body = {
        "candidate": code,
        "started": result.started_at,
        "ended": result.ended_at,
        "questions": [{"number": q.number, "responses": list(q.responses)} for q in result.questions],
    }
    return json.dumps(body, default=str, indent=1).encode()


PROTOCOL_COLUMNS = [
    "anonymisation_code",
    "student_uid",
    "first_name",
    "last_name",
    "attendance",
    "points",
    "grade",
    "exam_date",
]


def protocol(grades: pd.DataFrame) -> bytes:
    """The grade protocol as CSV: who got which grade (the archive keeps names; graders never see it)."""
    return grades[PROTOCOL_COLUMNS].to_csv(index=False).encode()


def appeal_decision(appeal: Appeal, code: str) -> tuple[str, bytes]:
    """One immutable document per decided appeal."""
    body = dict(
        candidate=code,
        received=appeal.received_on,
        original=appeal.original_grade,
        new=appeal.new_grade,
        decided=appeal.decided_at,
    )
    return f"appeal-{code}.json", json.dumps(body, default=str).encode()


@task(name="archive-exam", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_exam(occasion_id: str) -> ArchiveSummary:
    """Uploads every document (the archive never overwrites; a re-upload of the same bytes is a no-op)
    and checks that the archive's checksums equal ours."""
    with common.platform() as platform:
        results = common.matched_export(platform, common.platform_test_id(occasion_id)).candidates
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        codes = registrations.codes(session, occasion_id=occasion_id)
        grades = protocol(grading.protocol_frame(session, occasion_id=occasion_id))
        # The archive never overwrites: a protocol changed by an appeal is filed as a new document.
        digest = hashlib.sha256(grades).hexdigest()[:8]
        documents = [(f"protocol-{occasion_id}-{digest}.csv", "protocol", "text/csv", grades)]
        documents += [
            (name, "appeal", "application/json", body)
            for name, body in (
                appeal_decision(a, code) for a, code in appeals.decided(session, occasion_id=occasion_id)
            )
        ]
    documents += [
        (
            f"paper-{codes[r.external_user_id]}.json",
            "paper",
            "application/json",
            paper(r, codes[r.external_user_id]),
        )
        for r in results
        if r.attended
    ]
    expected = {name: hashlib.sha256(content).hexdigest() for name, _, _, content in documents}
    with common.archive() as store:
        case_id = store.create_case(title=f"Exam {occasion.name}", reference=occasion_id)
        uploaded = [
            (
                name,
                kind,
                store.upload_document(
                    case_id=case_id, title=name, filename=name, content=content, mime_type=mime
                ),
            )
            for name, kind, mime, content in documents
        ]
        held = {d.title: d.sha256 for d in store.list_documents(case_id)}
    verified = all(held.get(name) == digest for name, digest in expected.items())
    with transaction() as session:
        for name, kind, document in uploaded:
            archive.save(session, occasion_id=occasion_id, kind=kind, filename=name, document=document)
        occasions.set_status(
            session, occasion_id=occasion_id, status="archived" if verified else "archive-mismatch"
        )
        audit.record(
            session,
            actor="examflow",
            action="exam.archived",
            occasion_id=occasion_id,
            detail={"case_id": case_id, "documents": len(documents), "verified": verified},
        )
    if not verified:
        raise RuntimeError(f"archive checksums differ from ours for case {case_id}")
    return ArchiveSummary(
        case_id=case_id,
        documents=len(documents),
        papers=sum(kind == "paper" for _, kind, _ in uploaded),
        bytes=sum(len(c) for *_, c in documents),
        verified=verified,
    )


@task(name="archive-appeal-decision", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_appeal_decision(occasion_id: str, appeal_id: int) -> ArchivedDocument:
    """Files one appeal decision in the exam's case (the same document the archive flow files)."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        appeal, code = next(
            (a, c) for a, c in appeals.decided(session, occasion_id=occasion_id) if a.id == appeal_id
        )
        name, body = appeal_decision(appeal, code)
    with common.archive() as store:
        case_id = store.create_case(title=f"Exam {occasion.name}", reference=occasion_id)
        document = store.upload_document(
            case_id=case_id, title=name, filename=name, content=body, mime_type="application/json"
        )
    with transaction() as session:
        archive.save(session, occasion_id=occasion_id, kind="appeal", filename=name, document=document)
        audit.record(
            session,
            actor="examflow",
            action="appeal.archived",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal_id, "case_id": case_id, "sha256": document.sha256},
        )
    return document
