"""What was archived where, with the checksum we computed before sending it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from models.domain import ArchivedDocument
from store.schema import ArchiveRecord
from store.upsert import upsert


def save(session: Session, *, occasion_id: str, kind: str, filename: str, document: ArchivedDocument) -> None:
    upsert(
        session,
        ArchiveRecord,
        [
            dict(
                occasion_id=occasion_id,
                kind=kind,
                filename=filename,
                case_id=document.case_id,
                document_id=document.document_id,
                sha256=document.sha256,
                size=document.size,
                archived_at=datetime.now(UTC),
            )
        ],
        keys=["occasion_id", "filename"],
        update=["case_id", "document_id", "sha256", "size"],
    )
