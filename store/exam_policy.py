"""The exam policy's records: each exam's form, the dispensations decided, the extra distance
sittings planned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Dispensation, ExamFormRecord, ExtraSitting, Occasion
from store.upsert import upsert


def record_form(session: Session, *, occasion_id: str, form: str, at: datetime) -> None:
    upsert(
        session,
        ExamFormRecord,
        [dict(occasion_id=occasion_id, form=form, recorded_at=at)],
        keys=["occasion_id"],
        update=["form", "recorded_at"],
    )


def record_dispensation(
    session: Session,
    *,
    occasion_id: str,
    form: str,
    scenario: str,
    answers: dict[str, Any],
    presented_by: str,
    granted: bool,
    decided_by: str,
    comment: str,
    at: datetime,
) -> int:
    row = Dispensation(
        occasion_id=occasion_id,
        form=form,
        scenario=scenario,
        answers=answers,
        presented_by=presented_by,
        status="granted" if granted else "refused",
        decided_by=decided_by,
        comment=comment,
        decided_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def plan_extra_sitting(
    session: Session,
    *,
    occasion_id: str,
    form: str,
    scenario: str,
    reason: str,
    planned_by: str,
    at: datetime,
) -> bool:
    """Records the extra sitting the policy requires of the exam under `scenario`; False when it was
    planned before (once per exam and scenario)."""
    held = session.scalar(
        select(ExtraSitting.id).where(
            ExtraSitting.occasion_id == occasion_id, ExtraSitting.scenario == scenario
        )
    )
    if held is not None:
        return False
    session.add(
        ExtraSitting(
            occasion_id=occasion_id,
            form=form,
            scenario=scenario,
            reason=reason,
            planned_by=planned_by,
            planned_at=at,
        )
    )
    session.flush()
    return True


@dataclass(frozen=True)
class PlannedExam:
    """A planned exam as the policy's re-check sees it."""

    occasion_id: str
    name: str
    starts_at: datetime
    form: str
    exam_type: str
    answers: dict[str, Any] | None  # the latest granted dispensation's criteria, if any
    extra_sittings: tuple[str, ...]  # the scenarios an extra distance sitting was planned for


def planned_from(session: Session, since: datetime) -> list[PlannedExam]:
    """Every exam planned to start at or after `since` (and not yet closed), in order of its start."""
    occasions = session.execute(
        select(Occasion.id, Occasion.name, Occasion.starts_at, Occasion.exam_type, ExamFormRecord.form)
        .outerjoin(ExamFormRecord, ExamFormRecord.occasion_id == Occasion.id)
        .where(Occasion.starts_at >= since, Occasion.status.in_(("proposed", "planned")))
        .order_by(Occasion.starts_at, Occasion.id)
    ).all()
    ids = [row.id for row in occasions]
    granted: dict[str, dict[str, Any]] = {}
    for dispensation in session.scalars(
        select(Dispensation)
        .where(Dispensation.occasion_id.in_(ids), Dispensation.status == "granted")
        .order_by(Dispensation.id)
    ):
        granted[dispensation.occasion_id] = dispensation.answers
    sittings: dict[str, list[str]] = {}
    for occasion_id, scenario in session.execute(
        select(ExtraSitting.occasion_id, ExtraSitting.scenario).where(ExtraSitting.occasion_id.in_(ids))
    ):
        sittings.setdefault(occasion_id, []).append(scenario)
    return [
        PlannedExam(
            occasion_id=row.id,
            name=row.name,
            starts_at=row.starts_at,
            form=row.form or "",
            exam_type=row.exam_type,
            answers=granted.get(row.id),
            extra_sittings=tuple(sorted(sittings.get(row.id, []))),
        )
        for row in occasions
    ]
