"""The similarity service's reports on each candidate's text answers, one row per registration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.domain import SimilarityReport
from store.schema import SimilarityReport as ReportRow
from store.upsert import upsert


def save(
    session: Session, *, occasion_id: str, reports: Mapping[int, SimilarityReport], checked_at: datetime
) -> int:
    """Stores or updates the report of each registration id in `reports`."""
    rows = [
        dict(
            registration_id=registration_id,
            occasion_id=occasion_id,
            document_id=report.document_id,
            status=report.status,
            percent=report.percent,
            checked_at=checked_at,
        )
        for registration_id, report in reports.items()
    ]
    return upsert(
        session,
        ReportRow,
        rows,
        keys=["registration_id"],
        update=["document_id", "status", "percent", "checked_at"],
    )


def load(session: Session, *, occasion_id: str) -> dict[int, SimilarityReport]:
    """Registration id → its stored report, pending ones included."""
    rows = session.scalars(
        select(ReportRow).where(ReportRow.occasion_id == occasion_id).order_by(ReportRow.registration_id)
    )
    return {
        row.registration_id: SimilarityReport(
            document_id=row.document_id, status=row.status, percent=row.percent
        )
        for row in rows
    }
