"""Exams named as a person reads them (course code, sitting, date) for flow runs, their tags and
the artifacts they publish. `name_run` is the `flow_run_name` of every flow about one exam."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from sqlalchemy.orm import Session

from models.domain import Country, RegisterCourseRound, RegisterOccasion
from rules.exam_names import ExamName, exam_key, run_name, run_tags
from store import occasions
from store.db import transaction
from tasks.systems import systems

STOCKHOLM = ZoneInfo("Europe/Stockholm")
log = logging.getLogger("examflow")


def planned_exam(occasion_uid: str, session: Session | None = None) -> ExamName | None:
    """The exam as planned in our store; None before plan-exam has saved it. Pass the session a
    caller holds open (SQLite lets one transaction at a time write, and each begins as a writer)."""
    if session is None:
        with transaction() as opened:
            found = occasions.exam_identity(opened, occasion_uid)
    else:
        found = occasions.exam_identity(session, occasion_uid)
    if found is None:
        return None
    course, module, starts_at, country = found
    aware = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
    return ExamName(course, module, aware.astimezone(STOCKHOLM).date(), country)


def registered_exam(
    occasion: RegisterOccasion, rounds: Sequence[RegisterCourseRound], country: str
) -> ExamName:
    """The exam as the register gives it, before it is planned: its first course and module by code."""
    courses = sorted(r.code for r in rounds)
    modules = sorted(m.code for r in rounds for m in r.modules if m.uid in occasion.module_uids)
    return ExamName(
        courses[0] if courses else "", modules[0] if modules else "", occasion.start_date, country
    )


def _from_register(occasion_uid: str, country: str) -> ExamName:
    with systems().register(country=Country(country)) as register:
        occasion = register.get_occasion(occasion_uid)
        rounds = [register.get_course_round(uid) for uid in occasion.course_round_uids[:1]]
    return registered_exam(occasion, rounds, country)


def exam_of(occasion_uid: str, country: str = Country.SE) -> ExamName | None:
    """The exam from our store, else from the register; None when neither knows it."""
    try:
        return planned_exam(occasion_uid) or _from_register(occasion_uid, country)
    except Exception as exc:  # a name is no reason to fail a run
        log.warning(f"Could not name the exam {occasion_uid}: {exc}")
        return None


def key_of(kind: str, occasion_uid: str, country: str = Country.SE) -> str:
    """An artifact key for one exam, e.g. `grades-sf1625-ten1-2026-12-03`."""
    return exam_key(kind, exam_of(occasion_uid, country), occasion_uid)


def planned_key(session: Session, kind: str, occasion_uid: str) -> str:
    """`key_of` for a planned exam, read in the caller's open session."""
    return exam_key(kind, planned_exam(occasion_uid, session), occasion_uid)


def title_of(occasion_uid: str, country: str = Country.SE) -> str:
    """The exam as a title reads it, e.g. `SF1625 TEN1 2026-12-03`; the uid when it is not known."""
    exam = exam_of(occasion_uid, country)
    return exam.label if exam else occasion_uid


def _occasion_of(parameters: dict[str, Any]) -> tuple[list[str], str]:
    """The occasions a run is about and the country its parameters give."""
    params = parameters.get("params")
    uid = getattr(params, "occasion_uid", None)
    uids = [uid] if uid else list(getattr(params, "occasion_uids", None) or [])
    return uids, str(getattr(params, "country", Country.SE))


def name_run() -> str:
    """The run's name from its exam and flow (`SF1625 TEN1 2026-12-03 · grading`), the run tagged
    with the exam's course, term and country. Called by Prefect as the run begins."""
    context = FlowRunContext.get()
    assert context is not None and context.flow is not None and context.flow_run is not None
    name, tags = run_label(context.flow.name, context.parameters or {})
    if tags:
        _tag(context, tags)
    return name


def run_label(phase: str, parameters: dict[str, Any]) -> tuple[str, list[str]]:
    """A run's name and tags from its flow's name and its parameters."""
    uids, country = _occasion_of(parameters)
    if len(uids) != 1:
        return (f"{len(uids)} exams · {phase}" if uids else f"every exam due · {phase}"), []
    exam = exam_of(uids[0], country)
    if exam is None:
        return f"{uids[0]} · {phase}", []
    return run_name(exam, phase), run_tags(exam)


def _tag(context: FlowRunContext, tags: list[str]) -> None:
    assert context.flow_run is not None
    merged = sorted({*context.flow_run.tags, *tags})
    if merged == sorted(context.flow_run.tags):
        return
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(context.flow_run.id, tags=merged)
        context.flow_run.tags = merged
    except Exception as exc:  # tags are no reason to fail a run
        log.warning(f"Could not tag the run {context.flow_run.id}: {exc}")
