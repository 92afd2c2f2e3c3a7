"""Planned exam occasions and the register's course rounds and modules behind them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.domain import ExamWindow, RegisterCourseRound, RegisterOccasion
from store.schema import CourseRound, CourseRoundModule, Module, Occasion, OccasionModule
from store.upsert import upsert


class UnknownOccasion(LookupError):
    def __init__(self, occasion_id: str) -> None:
        super().__init__(f"occasion {occasion_id} is not planned in examflow (run plan-exam first)")


def save_plan(
    session: Session,
    *,
    occasion: RegisterOccasion,
    window: ExamWindow,
    course_rounds: list[RegisterCourseRound],
    country: str,
    exam_type: str,
    scale: str,
    register_scale_id: int,
    credits: float,
    code_prefix: str,
) -> Occasion:
    """Records the occasion at the plan's times, with its course rounds and modules (an upsert:
    plans can be redone)."""
    upsert(
        session,
        CourseRound,
        [dict(uid=r.uid, code=r.code, scale_id=r.scale_id) for r in course_rounds],
        keys=["uid"],
        update=["code", "scale_id"],
    )
    modules = {
        m.uid: dict(
            uid=m.uid,
            code=m.code,
            name=m.name,
            credits=m.credits,
            scale_id=m.scale_id,
            reportable=m.reportable,
        )
        for r in course_rounds
        for m in r.modules
    }
    upsert(
        session,
        Module,
        list(modules.values()),
        keys=["uid"],
        update=["code", "name", "credits", "scale_id", "reportable"],
    )
    links = [dict(course_round_uid=r.uid, module_uid=m.uid) for r in course_rounds for m in r.modules]
    upsert(session, CourseRoundModule, links, keys=["course_round_uid", "module_uid"], update=[])
    row = session.get(Occasion, occasion.uid) or Occasion(id=occasion.uid, status="proposed")
    row.name = occasion.name
    row.country = country
    row.exam_type = exam_type
    row.starts_at = window.starts_at
    row.ends_at = window.ends_at
    row.duration_minutes = window.duration_minutes
    row.scale = scale
    row.register_scale_id = register_scale_id
    row.credits = credits
    row.code_prefix = code_prefix
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    upsert(
        session,
        OccasionModule,
        [dict(occasion_id=occasion.uid, module_uid=u) for u in occasion.module_uids],
        keys=["occasion_id", "module_uid"],
        update=[],
    )
    return row


def get(session: Session, occasion_id: str) -> Occasion:
    row = session.get(Occasion, occasion_id)
    if row is None:
        raise UnknownOccasion(occasion_id)
    return row


def set_status(
    session: Session, *, occasion_id: str, status: str, platform_test_id: str | None = None
) -> None:
    row = get(session, occasion_id)
    row.status = status
    if platform_test_id is not None:
        row.platform_test_id = platform_test_id
    row.updated_at = datetime.now(UTC)
    session.flush()


SYNCED_STATUSES = ("planned", "active")


def syncable_ids(session: Session) -> list[str]:
    """Occasions whose registrations still follow the register: approved, with a platform test,
    and not yet closed (after the deadline a de-registration must not touch the exam)."""
    query = select(Occasion.id).where(
        Occasion.status.in_(SYNCED_STATUSES), Occasion.platform_test_id.is_not(None)
    )
    return list(session.scalars(query.order_by(Occasion.id)))


def countries(session: Session, occasion_ids: list[str]) -> dict[str, str]:
    """Each planned occasion's country (whose law and register apply), by id; unknown ids left out."""
    query = select(Occasion.id, Occasion.country).where(Occasion.id.in_(occasion_ids))
    return dict(session.execute(query).tuples().all())


def module_credits(session: Session, *, occasion_id: str) -> dict[str, float]:
    """Module code → credits, for the modules the occasion examines."""
    query = (
        select(Module.code, Module.credits)
        .join(OccasionModule, OccasionModule.module_uid == Module.uid)
        .where(OccasionModule.occasion_id == occasion_id)
    )
    return dict(session.execute(query).tuples().all())


def exam_identity(session: Session, occasion_id: str) -> tuple[str, str, datetime, str] | None:
    """The planned occasion's course code, the code of the module it examines, its start and its
    country (the first course and module by code when it examines several); None when not planned."""
    query = (
        select(CourseRound.code, Module.code, Occasion.starts_at, Occasion.country)
        .join(OccasionModule, OccasionModule.occasion_id == Occasion.id)
        .join(Module, Module.uid == OccasionModule.module_uid)
        .join(CourseRoundModule, CourseRoundModule.module_uid == Module.uid)
        .join(CourseRound, CourseRound.uid == CourseRoundModule.course_round_uid)
        .where(Occasion.id == occasion_id)
        .order_by(CourseRound.code, Module.code)
        .limit(1)
    )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1], row[2], row[3])
