"""Each exam's grading settings, kept as the JSON of `GradingSettings`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from models.grading import GradingSettings
from store.schema import ExamSettings
from store.upsert import upsert


def put(session: Session, *, occasion_id: str, settings: GradingSettings) -> None:
    row = dict(
        occasion_id=occasion_id, settings=settings.model_dump(mode="json"), updated_at=datetime.now(UTC)
    )
    upsert(session, ExamSettings, [row], keys=["occasion_id"], update=["settings", "updated_at"])


def get(session: Session, *, occasion_id: str) -> GradingSettings:
    """The exam's settings, or the defaults when none were set."""
    row = session.get(ExamSettings, occasion_id)
    return GradingSettings() if row is None else GradingSettings.model_validate(row.settings)
