"""One parameter model per flow: what a coordinator fills in when starting it from the UI."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from models.domain import Country, ExamType, Frozen, RegradeKind
from models.grading import GradingSettings


class PlanExam(Frozen):
    occasion_uid: str = Field(description="The register's exam occasion (aktivitetstillfälle) uid")
    country: Country = Field(default=Country.SE, description="Whose law and register apply")
    exam_type: ExamType = Field(default=ExamType.DIGITAL_SCHOOL, description="The form of the exam")
    code_prefix: str = Field(
        default="EXAM", pattern=r"^[A-Z]{2,8}$", description="Prefix of the anonymisation codes"
    )
    lockdown_browser: bool = Field(default=True, description="Require Safe Exam Browser")
    grading: GradingSettings = Field(
        default_factory=GradingSettings, description="How the exam is graded (committees, thresholds)"
    )
    chain: bool = Field(default=False, description="Go on to the next phase of the lifecycle when done")


class SyncRegistrations(Frozen):
    occasion_uids: list[str] = Field(
        default_factory=list,
        description="Occasions to sync; empty means every approved occasion not yet closed",
    )
    chain: bool = Field(default=False, description="Go on to exam day when done (one occasion only)")


class OccasionStep(Frozen):
    """The parameters of a phase that works on one planned occasion."""

    occasion_uid: str = Field(description="The exam occasion uid")
    chain: bool = Field(default=False, description="Go on to the next phase of the lifecycle when done")


class GradeExam(OccasionStep):
    settings: GradingSettings | None = Field(
        default=None, description="Replace the exam's grading settings (until grades are approved)"
    )


class AppealRequest(Frozen):
    occasion_uid: str = Field(description="The exam occasion uid")
    anonymisation_code: str = Field(description="The candidate's anonymisation code")
    received_on: date = Field(description="The day the appeal reached the faculty")


class Lifecycle(Frozen):
    occasion_uid: str = Field(description="The register's exam occasion uid")
    country: Country = Field(default=Country.SE, description="Whose law and register apply")
    code_prefix: str = Field(default="EXAM", pattern=r"^[A-Z]{2,8}$", description="Anonymisation code prefix")


class JustificationRequest(Frozen):
    occasion_uid: str = Field(description="The exam occasion uid")
    anonymisation_code: str = Field(description="The candidate's anonymisation code")
    requested_on: date = Field(description="The day the student asked for the justification")


class Regrade(Frozen):
    occasion_uid: str = Field(description="The exam occasion uid")
    anonymisation_code: str = Field(description="The candidate's anonymisation code")
    kind: RegradeKind = Field(description="correction of an obvious error, reconsideration, or adjustment")
    new_grade: str = Field(min_length=1, max_length=8, description="The grade it should be")
    student_heard: bool = Field(
        default=False, description="The student was heard (needed to lower by correction)"
    )
    reason: str = Field(min_length=5, max_length=2000, description="Why, for the decision and the audit log")


class SpreadsheetGrades(Frozen):
    """Grades for an exam held outside the platform (oral, paper, portfolio), from a spreadsheet."""

    occasion_uid: str = Field(description="The exam occasion uid")
    filename: str = Field(
        min_length=1, max_length=200, description="The .xlsx or .csv file, in examflow's uploads folder"
    )
    uploaded_by: str = Field(min_length=1, max_length=64, description="Your staff id")


class RescoreKind(StrEnum):
    KEY = "key"
    WEIGHT = "weight"
    VOID = "void"


class Rescore(Frozen):
    """One correction to a question, applied to every candidate at once."""

    occasion_uid: str = Field(description="The exam occasion uid")
    question_number: int = Field(ge=1, description="The question's number on the test")
    kind: RescoreKind = Field(
        description="key: accept more alternatives; weight: a new weight; void: the question counts for nothing"
    )
    accept: list[str] = Field(
        default_factory=list, description="For key: the alternatives that earn full marks, e.g. ['B', 'C']"
    )
    weight: float | None = Field(default=None, gt=0, le=100, description="For weight: the new weight")
    reason: str = Field(min_length=5, max_length=2000, description="Why, for the approval and the audit log")


class CollectRequests(Frozen):
    occasion_uids: list[str] = Field(
        default_factory=list,
        description="Occasions whose requests to read from the register; empty means every Norwegian "
        "occasion with results published",
    )
