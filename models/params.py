"""One parameter model per flow: what a coordinator fills in when starting it from the UI."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from models.distance import DistanceExam
from models.domain import Country, ExamType, Frozen, RegradeKind
from models.grading import GradingSettings
from models.policy import DIGITAL_FORMS, ExamForm


class ExamTimes(Frozen):
    """When the exam is written, in Stockholm local time. What is left empty is read from the
    timetable when one is given; the register holds the occasion's dates only."""

    exam_date: date | None = Field(default=None, description="The day of the exam, e.g. 2026-10-20")
    start_time: time | None = Field(default=None, description="Start, Stockholm local time, e.g. 08:30")
    end_time: time | None = Field(default=None, description="End, Stockholm local time, e.g. 12:30")
    duration_minutes: int | None = Field(
        default=None, ge=1, le=24 * 60, description="Working time in minutes; empty: from start to end"
    )
    timetable: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A timetable (.csv or .xlsx) in examflow's uploads folder, read for what is left "
        "empty here: its row for one of the occasion's course codes on one of its dates",
    )


class PlanExam(Frozen):
    occasion_uid: str = Field(description="The register's exam occasion (aktivitetstillfälle) uid")
    times: ExamTimes = Field(
        default_factory=ExamTimes,
        description="When the exam is written (Stockholm local time), or the timetable to read it from",
    )
    country: Country = Field(default=Country.SE, description="Whose law and register apply")
    exam_type: ExamType = Field(default=ExamType.DIGITAL_SCHOOL, description="The form of the exam")
    exam_form: ExamForm = Field(
        default=ExamForm.DIGITAL_CAMPUS,
        description="How the exam is sat, as the exam policy names the forms; checked against the "
        "scenario in force on the exam's day",
    )
    code_prefix: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2,8}$",
        description="Prefix of the anonymisation codes; empty: made from the course code and the sitting",
    )
    lockdown_browser: bool = Field(default=True, description="Require Safe Exam Browser")
    distance: DistanceExam | None = Field(
        default=None,
        description="For an exam sat at a distance: the video meeting, the ID check, the teacher on call "
        "and the course in the learning platform; once the plan is approved its checklist is run",
    )
    grading: GradingSettings = Field(
        default_factory=GradingSettings, description="How the exam is graded (committees, thresholds)"
    )
    chain: bool = Field(default=False, description="Go on to the next phase of the lifecycle when done")


class DistanceChecklist(Frozen):
    """The checklist of a planned exam sat at a distance, run again as its items are filled in."""

    occasion_uid: str = Field(description="The exam occasion uid (planned)")
    distance: DistanceExam = Field(
        description="The video meeting, the ID check, the teacher on call and the course in the learning platform"
    )


class SyncRegistrations(Frozen):
    occasion_uids: list[str] = Field(
        default_factory=list,
        description="Occasions to sync; empty means every approved occasion not yet closed",
    )
    chain: bool = Field(default=False, description="Go on to exam day when done (one occasion only)")
    review_shrink: bool = Field(
        default=False,
        description="Ask a coordinator whether to apply a register answer that the nightly sync held "
        "(one occasion only)",
    )

    @model_validator(mode="after")
    def _one_occasion_to_review(self) -> SyncRegistrations:
        if self.review_shrink and len(self.occasion_uids) != 1:
            raise ValueError("review_shrink reviews exactly one occasion: give its uid in occasion_uids")
        return self


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
    times: ExamTimes = Field(
        default_factory=ExamTimes,
        description="When the exam is written (Stockholm local time), or the timetable to read it from",
    )
    country: Country = Field(default=Country.SE, description="Whose law and register apply")
    code_prefix: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2,8}$",
        description="Anonymisation code prefix; empty: made from the course code and the sitting",
    )


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



class CloseCases(Frozen):
    occasion_uids: list[str] = Field(
        default_factory=list,
        description="Occasions whose case to close and archive if closed; empty means every exam "
        "whose results are in the register and whose case is not archived",
    )

class AccommodationEntry(Frozen):
    """One decision on support, entered by hand."""

    student_uid: str = Field(min_length=1, max_length=64, description="The register's student uid")
    decision: Literal["granted", "refused"] = Field(
        default="granted", description="The support office's decision"
    )
    extra_time_minutes: int = Field(default=0, ge=0, le=600, description="Extra writing time in minutes")
    separate_room: bool = Field(default=False, description="Writes in a room of their own")
    equipment: str = Field(default="", max_length=500, description="Equipment allowed, e.g. a screen reader")
    valid_from: date = Field(description="First day the decision holds")
    valid_to: date = Field(description="Last day the decision holds")


class Accommodations(Frozen):
    """Decisions on support at exams (Sweden: from the support office; the register holds none):
    the support system's export as a file, or decisions entered here. Each student named has
    the decisions held for them replaced."""

    filename: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The support office's export (.csv or .xlsx) in examflow's uploads folder",
    )
    decisions: list[AccommodationEntry] = Field(
        default_factory=list,
        description="Decisions entered by hand, by student uid (a personal identity number does not "
        "belong in a run's parameters: put those in a file)",
    )
    entered_by: str = Field(min_length=1, max_length=64, description="Your staff id (a coordinator)")


class LoanPcEntry(Frozen):
    """A candidate's application for a loan PC, as it reached the exam office."""

    student_uid: str = Field(min_length=1, max_length=64, description="The register's student uid")
    applied_on: date = Field(description="The day the application reached the exam office")


class SeatingPlan(Frozen):
    """A digital exam's rooms, seats, loan PCs and staff on duty, decided by the exam office."""

    occasion_uid: str = Field(description="The exam occasion uid")
    rooms: list[str] = Field(
        min_length=1,
        description="The rooms to book for the exam, by name as in the rooms file, e.g. ['Q21', 'Q22']",
    )
    rooms_file: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The exam office's rooms file (.csv or .xlsx) in examflow's uploads folder; when given, "
        "the rooms held are replaced by it first",
    )
    loan_pc_applications: list[LoanPcEntry] = Field(
        default_factory=list, description="Applications for a loan PC received since the last plan"
    )
    planned_by: str = Field(min_length=1, max_length=64, description="Your staff id (a coordinator)")


class PolicyRecheck(Frozen):
    """Every planned exam judged again by the exam policy, after a change of scenario."""

    since: date | None = Field(
        default=None,
        description="Check the exams planned on or after this day; empty: the day the policy's newest "
        "period starts",
    )


class DigitalExamApplication(Frozen):
    """A course responsible's application to sit an exam digitally; the exam office decides."""

    occasion_uid: str = Field(description="The register's exam occasion uid")
    applicant_id: str = Field(min_length=1, max_length=64, description="Your staff id (a course responsible)")
    form: ExamForm = Field(default=ExamForm.DIGITAL_CAMPUS, description="The digital form applied for")
    students: int = Field(ge=1, le=100000, description="Students expected at the sitting")
    reason: str = Field(min_length=5, max_length=2000, description="Why the exam should be digital")

    @model_validator(mode="after")
    def _digital(self) -> DigitalExamApplication:
        if self.form not in DIGITAL_FORMS:
            forms = ", ".join(sorted(f.value for f in DIGITAL_FORMS))
            raise ValueError(f"form: {self.form.value} is not a digital form ({forms})")
        return self


class PreExamCheck(Frozen):
    """pre-exam-check's parameters: plan-exam schedules one run at T-24 h and one at T-1 h; a
    coordinator may start one at any time."""

    occasion_uid: str = Field(description="The exam occasion uid")
    window: Literal["T-24h", "T-1h", "on demand"] = Field(
        default="on demand", description="T-24h or T-1h when plan-exam scheduled the run; else on demand"
    )
    starts_at: datetime | None = Field(
        default=None,
        description="The exam's start the run was scheduled for; a run whose exam has moved since checks nothing",
    )
