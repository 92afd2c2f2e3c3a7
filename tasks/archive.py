"""Archiving: one case file per exam in the records archive; each candidate's paper, their scanned
sketches, the grade protocol, the justifications given and the appeal decisions each a registry
entry of its kind's type, their checksums read back from the archive."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import pandas as pd
from prefect import task

from integrations.protocols import RecordsArchive
from models.domain import ArchivedDocument, Frozen
from models.results import CandidateResult, Sketch
from store import appeals, archive, audit, grading, justifications, occasions, registrations
from store.db import transaction
from store.schema import Appeal, JustificationRecord
from tasks import platform_results
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems


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


def justification(record: JustificationRecord, code: str) -> tuple[str, bytes]:
    """The grounds given for a candidate's grade, as sent (by anonymisation code only)."""
    body = dict(candidate=code, requested=record.requested_on, given=record.given_on, text=record.text)
    return f"justification-{code}.json", json.dumps(body, default=str, ensure_ascii=False).encode()


def case_title(name: str, occasion_id: str) -> str:
    """The exam's case file is found by this title, so it names the occasion itself."""
    return f"Exam {name} ({occasion_id})"


# (filename, kind, media type, bytes): one document to file in an exam's case
Document = tuple[str, str, str, bytes]


def file_documents(
    store: RecordsArchive, case_id: str, documents: list[Document]
) -> list[tuple[str, str, ArchivedDocument]]:
    """Files each document the case does not hold yet; one the case holds with the same bytes is
    left as it is, one it holds with other bytes is refused (archived documents are never replaced)."""
    held = {d.title: d for d in store.documents(case_id)}
    replaced = [
        name for name, _, _, content in documents if name in held and held[name].sha256 != _sha256(content)
    ]
    if replaced:
        raise RuntimeError(
            f"the archive's case {case_id} holds other bytes under {', '.join(replaced)}; archived documents are never replaced"
        )
    return [
        (
            name,
            kind,
            held.get(name)
            or store.file_document(
                case_id=case_id, kind=kind, title=name, filename=name, content=content, mime_type=mime
            ),
        )
        for name, kind, mime, content in documents
    ]


def unverified(store: RecordsArchive, case_id: str, documents: list[Document]) -> list[str]:
    """The documents whose checksum, read back from the archive, is not ours."""
    held = {d.title: d.sha256 for d in store.documents(case_id)}
    return [name for name, _, _, content in documents if held.get(name) != _sha256(content)]


def audit_anchor() -> Document:
    """The audit log's committed head, filed with the exam so that a chain later rewritten or cut
    below it is found by `python -m store.verify_audit --anchor-seq SEQ --anchor-hash HASH`."""
    with transaction() as session:
        head = audit.head_to_anchor(session)
    body = {
        "event": head.id,
        "seq": head.seq,
        "hash": head.hash,
        "check": f"python -m store.verify_audit --anchor-seq {head.seq} --anchor-hash {head.hash}",
    }
    content = json.dumps(body, indent=2).encode()
    return (f"audit-chain-head-{head.seq}.json", "record", "application/json", content)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@task(name="archive-exam", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_exam(occasion_id: str) -> ArchiveSummary:
    """Files every document of the exam in its case file (a rerun files only what is missing) and
    checks that the archive's checksums equal ours."""
    test_id = platform_results.platform_test_id(occasion_id)
    with systems().platform() as platform:
        results = platform_results.matched_export(platform, test_id).candidates
        sketches = platform.sketches(test_id)
        candidates = platform.list_candidates(test_id) if sketches else []
    name, codes, documents = _stored_documents(occasion_id)
    documents.append(audit_anchor())
    documents += _papers(results, codes)
    documents += _sketches(test_id, sketches, {c.candidate_id: c.external_user_id for c in candidates}, codes)
    with systems().archive() as store:
        case_id = store.case_file(title=case_title(name, occasion_id))
        filed = file_documents(store, case_id, documents)
        differing = unverified(store, case_id, documents)
    verified = not differing
    _record_filed(occasion_id, case_id, filed, documents=len(documents), verified=verified)
    if not verified:
        raise RuntimeError(f"archive checksums differ from ours in case {case_id}: {', '.join(differing)}")
    return ArchiveSummary(
        case_id=case_id,
        documents=len(documents),
        papers=sum(kind == "paper" for _, kind, _ in filed),
        bytes=sum(len(c) for *_, c in documents),
        verified=verified,
    )


def _stored_documents(occasion_id: str) -> tuple[str, dict[str, str], list[Document]]:
    """The exam's name, its candidates' codes, and the documents our store holds: the grade
    protocol, the justifications given and the appeal decisions."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        codes = registrations.codes(session, occasion_id=occasion_id)
        grades = protocol(grading.protocol_frame(session, occasion_id=occasion_id))
        # The archive never overwrites: a protocol changed by an appeal is filed as a new document.
        digest = _sha256(grades)[:8]
        documents: list[Document] = [(f"protocol-{occasion_id}-{digest}.csv", "protocol", "text/csv", grades)]
        documents += [
            (name, "justification", "application/json", body)
            for name, body in (
                justification(j, code) for j, code in justifications.given(session, occasion_id=occasion_id)
            )
        ]
        documents += [
            (name, "appeal", "application/json", body)
            for name, body in (
                appeal_decision(a, code) for a, code in appeals.decided(session, occasion_id=occasion_id)
            )
        ]
    return occasion.name, codes, documents


def _papers(results: Sequence[CandidateResult], codes: Mapping[str, str]) -> list[Document]:
    """Each attended candidate's paper, named by their code."""
    return [
        (
            f"paper-{codes[r.external_user_id]}.json",
            "paper",
            "application/json",
            paper(r, codes[r.external_user_id]),
        )
        for r in results
        if r.attended
    ]


def _sketches(
    test_id: str, sketches: Sequence[Sketch], students: Mapping[str, str], codes: Mapping[str, str]
) -> list[Document]:
    """Each scanned sketch as the platform holds it, named by the candidate's code and question."""
    unknown = sorted(
        {s.candidate_id for s in sketches if codes.get(students.get(s.candidate_id, "")) is None}
    )
    if unknown:
        raise RuntimeError(
            f"the platform's test {test_id} holds sketches of candidates examflow does not know: {', '.join(unknown)}"
        )
    return [
        (
            f"sketch-{codes[students[s.candidate_id]]}-q{s.question_number}-{s.filename}",
            "sketch",
            s.mime_type,
            s.content,
        )
        for s in sketches
    ]


def _record_filed(
    occasion_id: str,
    case_id: str,
    filed: list[tuple[str, str, ArchivedDocument]],
    *,
    documents: int,
    verified: bool,
) -> None:
    """Where each document lies, the exam's status (archived, or its checksums differ) and the audit."""
    with transaction() as session:
        for name, kind, document in filed:
            archive.save(session, occasion_id=occasion_id, kind=kind, filename=name, document=document)
        occasions.set_status(
            session, occasion_id=occasion_id, status="archived" if verified else "archive-mismatch"
        )
        audit.record(
            session,
            actor="examflow",
            action="exam.archived",
            occasion_id=occasion_id,
            detail={"case_id": case_id, "documents": documents, "verified": verified},
        )


def file_one(occasion_id: str, kind: str, filename: str, content: bytes, mime_type: str) -> ArchivedDocument:
    """Files one document in the exam's case file (made if missing), checks the archive's checksum
    and records where it lies; the same bytes again are not filed twice."""
    with transaction() as session:
        name = occasions.get(session, occasion_id).name
    document: Document = (filename, kind, mime_type, content)
    with systems().archive() as store:
        case_id = store.case_file(title=case_title(name, occasion_id))
        [(_, _, filed)] = file_documents(store, case_id, [document])
        differing = unverified(store, case_id, [document])
    if differing:
        raise RuntimeError(f"the archive's checksum of {filename} in case {case_id} differs from ours")
    with transaction() as session:
        archive.save(session, occasion_id=occasion_id, kind=kind, filename=filename, document=filed)
    return filed


@task(name="archive-document", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_document(
    occasion_id: str, kind: str, filename: str, content: bytes, mime_type: str
) -> ArchivedDocument:
    """Files one more document in the exam's case as a registry entry of `kind` (for instance the
    audit log's anchor as a `record`), audited."""
    filed = file_one(occasion_id, kind, filename, content, mime_type)
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="document.archived",
            occasion_id=occasion_id,
            detail={"case_id": filed.case_id, "kind": kind, "filename": filename, "sha256": filed.sha256},
        )
    run_logger().info(
        f"Filed {filename} ({kind}) in case {filed.case_id} of {occasion_id}, its checksum verified"
    )
    return filed


@task(name="archive-appeal-decision", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def archive_appeal_decision(occasion_id: str, appeal_id: int) -> ArchivedDocument:
    """Files one appeal decision in the exam's case (the same document the archive flow files)."""
    with transaction() as session:
        appeal, code = next(
            (a, c) for a, c in appeals.decided(session, occasion_id=occasion_id) if a.id == appeal_id
        )
        name, body = appeal_decision(appeal, code)
    document = file_one(occasion_id, "appeal", name, body, "application/json")
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="appeal.archived",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal_id, "case_id": document.case_id, "sha256": document.sha256},
        )
    run_logger().info(f"Filed the decision of appeal {appeal_id} in case {document.case_id} of {occasion_id}")
    return document
