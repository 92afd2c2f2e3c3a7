"""Grading: the platform's results export → marks → points → proposed grades, then approval."""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact
from pydantic import Field
from sqlalchemy.orm import Session

from models.domain import ExamType, Frozen
from models.grading import GradingSettings
from models.results import ResultsExport
from rules import reconciliation
from rules.grades import Thresholds, thresholds_for
from rules.marks import grader_marks_frame, marks_frame, propose_grades
from store import audit, committees, exam_settings, grading, occasions, point_totals, registrations
from store.db import transaction
from tasks import platform_results
from tasks.exam_names import planned_key
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger


class GradingRefused(Exception):
    """Grades cannot be proposed or approved as asked; the message says why."""


class GradingSummary(Frozen):
    digest: str
    candidates: int
    graded: int
    absent: int
    max_points: float
    distribution: dict[str, int]
    thresholds: dict[str, float]
    unscored: int = Field(default=0, description="answers to grade by hand that no grader has scored")


@task(name="import-results", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def import_results(occasion_id: str) -> GradingSummary:
    """Stores questions, marks and proposed grades from the export, in one transaction. Refused
    once grades are approved: a re-import would overwrite them."""
    export, held = platform_results.registered_export(occasion_id)
    results = list(export.candidates)
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        if approved := grading.count_approved(session, occasion_id=occasion_id):
            raise GradingRefused(
                f"{approved} grades of {occasion_id} are approved already; importing again would overwrite them"
            )
        marks = marks_frame(results, held, occasion_id)
        refuse_unknown_questions(session, occasion_id, marks)
        exam_dates = {
            held[r.external_user_id]: (r.ended_at or occasion.ends_at).date() for r in results if r.attended
        }
        thresholds = exam_thresholds(session, occasion_id)
        grades, max_points = propose_grades(marks, thresholds, exam_dates)
        graders = check_export(session, occasion_id, export, held, (grades, max_points))
        _save_marks(session, occasion_id, marks)
        grading.save_grader_marks(
            session,
            grader_marks_frame(results, held, occasion_id, graders.staff_ids),
            [held[r.external_user_id] for r in results],
        )
        digest = _save_proposed(session, occasion_id, grades, max_points)
    return GradingSummary(
        digest=digest,
        candidates=len(results),
        graded=len(grades),
        absent=sum(not r.attended for r in results),
        max_points=max_points,
        distribution=grades.grade.value_counts().sort_index().to_dict(),
        thresholds=thresholds.minimums,
        unscored=int((marks.kind == "manual").sum() - marks.manual_score.notna().sum()),
    )


def _save_marks(session: Session, occasion_id: str, marks: pd.DataFrame) -> None:
    """The export's questions and marks, then the point totals they sum to."""
    grading.save_questions(
        session,
        marks.drop_duplicates("question_id")[
            ["occasion_id", "question_id", "number", "max_score", "weight", "kind"]
        ],
    )
    grading.save_marks(
        session,
        marks[
            [
                "registration_id",
                "question_id",
                "occasion_id",
                "auto_score",
                "manual_score",
                "score",
                "response",
            ]
        ],
    )
    # after the last write to the marks and questions, as the totals' stamp must be
    point_totals.refresh(session, occasion_id=occasion_id)


def _save_proposed(session: Session, occasion_id: str, grades: pd.DataFrame, max_points: float) -> str:
    """The proposed grades stored and audited, the exam now in grading; returns their digest."""
    grading.save_grades(session, grades.assign(occasion_id=occasion_id))
    occasions.set_status(session, occasion_id=occasion_id, status="grading")
    audit.record(
        session,
        actor="examflow",
        action="grades.proposed",
        occasion_id=occasion_id,
        detail={"graded": len(grades), "max_points": max_points},
    )
    return grading.grades_digest(session, occasion_id=occasion_id, status="proposed")


def check_export(
    session: Session,
    occasion_id: str,
    export: ResultsExport,
    held: dict[str, int],
    proposed: tuple[pd.DataFrame, float],
) -> reconciliation.Graders:
    """The export's graders resolved, provided every candidate's points and the exam's maximum agree
    with the platform's and every grader is known; else the refusal, listed for a person."""
    grades, max_points = proposed
    by_registration = dict(zip(grades.registration_id, grades.points, strict=True))
    points = {
        r.candidate_id: float(by_registration.get(held[r.external_user_id], 0.0))
        for r in export.candidates
        if r.attended
    }
    check = reconciliation.reconcile(export, points, max_points)
    graders = reconciliation.resolve_graders(
        export, committees.grader_names(session, occasion_id=occasion_id)
    )
    if check.agrees and not graders.unknown:
        return graders
    student_codes = registrations.codes(session, occasion_id=occasion_id)
    codes = {r.candidate_id: student_codes.get(r.external_user_id, "") for r in export.candidates}
    key = planned_key(session, "results-check", occasion_id)
    create_markdown_artifact(
        key=key,
        markdown=reconciliation.report(occasion_id, check, graders, codes),
        description=f"Why the results export of {occasion_id} was not imported",
    )
    raise GradingRefused(
        f"the results export of {occasion_id} was not imported: {reconciliation.summary(check, graders)}; see the artifact {key}"
    )


def exam_thresholds(session: Session, occasion_id: str) -> Thresholds:
    settings = exam_settings.get(session, occasion_id=occasion_id)
    return thresholds_for(occasions.get(session, occasion_id).scale, settings)


def refuse_unknown_questions(session: Session, occasion_id: str, marks: pd.DataFrame) -> None:
    """A re-import must speak of the questions imported before; the unknown ones are listed whole."""
    known = set(grading.question_ids(session, occasion_id=occasion_id).values())
    unknown = sorted(set(marks.question_id) - known) if known else []
    if unknown:
        raise GradingRefused(f"the export of {occasion_id} has questions this exam does not: {unknown}")


@task(name="use-grading-settings", **REPLAY_SAFE)
def use_settings(occasion_id: str, override: GradingSettings | None) -> tuple[GradingSettings, ExamType]:
    """The exam's grading settings, replaced by `override` when given (refused once grades are
    approved, or when its thresholds do not fit the exam's scale)."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        if override is not None:
            if approved := grading.count_approved(session, occasion_id=occasion_id):
                raise GradingRefused(f"{approved} grades of {occasion_id} are approved; its settings stay")
            try:
                thresholds_for(occasion.scale, override)
            except ValueError as exc:
                raise GradingRefused(f"thresholds of {occasion_id}: {exc}") from exc
            exam_settings.put(session, occasion_id=occasion_id, settings=override)
            audit.record(
                session,
                actor="examflow",
                action="grading.settings",
                occasion_id=occasion_id,
                detail=override.model_dump(mode="json"),
            )
        run_logger().info(
            f"Grading settings of {occasion_id}: "
            + ("replaced by this run's" if override is not None else "as planned")
            + f"; a {occasion.exam_type} exam"
        )
        return exam_settings.get(session, occasion_id=occasion_id), ExamType(occasion.exam_type)


@task(name="summarize-uploaded-grades", **REPLAY_SAFE)
def summarize_uploaded(occasion_id: str) -> GradingSummary:
    """For an exam held outside the platform: the grades uploaded from a spreadsheet, summed up."""
    with transaction() as session:
        frame = grading.grade_frame(session, occasion_id=occasion_id)
        proposed = frame[frame.grade_status == "proposed"]
        if proposed.empty:
            raise GradingRefused(f"{occasion_id} has no uploaded grades: run spreadsheet-grades first")
        thresholds = exam_thresholds(session, occasion_id)
        digest = grading.grades_digest(session, occasion_id=occasion_id, status="proposed")
    run_logger().info(f"{len(proposed)} grades of {occasion_id} were uploaded from a spreadsheet")
    return GradingSummary(
        digest=digest,
        candidates=len(frame),
        graded=len(proposed),
        absent=int((frame.attendance == "absent").sum()),
        max_points=0.0,
        distribution=proposed.grade.value_counts().sort_index().to_dict(),
        thresholds=thresholds.minimums,
    )


@task(name="approve-grades", **REPLAY_SAFE)
def approve_grades(occasion_id: str, approver_id: str, digest: str) -> int:
    """Approves the proposed grades, provided they are exactly the ones the approver was shown."""
    with transaction() as session:
        if grading.grades_digest(session, occasion_id=occasion_id, status="proposed") != digest:
            raise GradingRefused(
                f"the proposed grades of {occasion_id} changed after they were shown; grade again"
            )
        count = grading.approve_grades(session, occasion_id=occasion_id)
        occasions.set_status(session, occasion_id=occasion_id, status="graded")
        audit.record(
            session,
            actor=approver_id,
            action="grades.approved",
            occasion_id=occasion_id,
            detail={"approved": count},
        )
    run_logger().info(f"Approved {count} grades of {occasion_id}, as approved by {approver_id}")
    return count
