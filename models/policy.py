"""The university's exam policy as data: scenarios, the exam forms each allows, and the periods
each is in force from; the answers a dispensation request gives. Loaded and checked by
rules/exam_policy.py, which also decides what the policy says of one exam."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from models.approvals import ApprovalForm
from models.domain import Frozen


class ExamForm(StrEnum):
    """How an exam is sat, as the policy names the forms."""

    CAMPUS_WRITTEN = "campus_written"  # a final written exam on paper in an exam hall
    DIGITAL_CAMPUS = "digital_campus"  # a final written exam on the platform in an exam hall
    DISTANCE_VIDEO = "distance_video"  # at a distance, an open video meeting for ID checks and questions
    DISTANCE_CAMERA = "distance_camera"  # at a distance under camera surveillance
    ORAL_CAMPUS = "oral_campus"
    CONTINUOUS_CAMPUS = "continuous_campus"  # continuous written examination on campus
    PRESENTATION_CAMPUS = "presentation_campus"  # e.g. a thesis presentation on campus


DIGITAL_FORMS = frozenset({ExamForm.DIGITAL_CAMPUS, ExamForm.DISTANCE_VIDEO, ExamForm.DISTANCE_CAMERA})

FORM_TITLES = {
    ExamForm.CAMPUS_WRITTEN: "a written exam on paper on campus",
    ExamForm.DIGITAL_CAMPUS: "a digital exam on campus",
    ExamForm.DISTANCE_VIDEO: "a digital exam at a distance with an open video meeting",
    ExamForm.DISTANCE_CAMERA: "a digital exam at a distance under camera surveillance",
    ExamForm.ORAL_CAMPUS: "an oral exam on campus",
    ExamForm.CONTINUOUS_CAMPUS: "continuous written examination on campus",
    ExamForm.PRESENTATION_CAMPUS: "a presentation on campus",
}


class RuleKind(StrEnum):
    """What a scenario says of one exam form."""

    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"
    DISPENSATION = "dispensation"  # only by a dispensation meeting the scenario's criteria
    EMERGENCY = "emergency"  # only as an emergency replacement of a campus exam meeting those criteria


class CourseLevel(StrEnum):
    PREPARATORY = "preparatory"
    FIRST_CYCLE = "first_cycle"
    SECOND_CYCLE = "second_cycle"
    THIRD_CYCLE = "third_cycle"


class DispensationRule(Frozen):
    """What a dispensation needs in one scenario."""

    controlled_setting: bool = Field(
        default=True,
        description="the learning outcomes are facts or procedural skills that can only be examined "
        "with well-defined answers in a controlled setting",
    )
    diversification_plan: bool = Field(
        default=True, description="the application has a 1-2 year plan for more diverse examination"
    )
    course_levels: tuple[CourseLevel, ...] = Field(
        default=(), description="the course's level must be one of these; empty: any level"
    )
    more_than_students: int | None = Field(
        default=None, ge=0, description="more students than this at the sitting; empty: any number"
    )
    extra_distance_sitting: bool = Field(
        default=False, description="a course sitting on campus must offer an extra distance sitting"
    )


class Scenario(Frozen):
    name: str
    description: str = ""
    forms: dict[ExamForm, RuleKind]
    dispensation: DispensationRule = DispensationRule()


class Period(Frozen):
    scenario: str
    starts_on: date


class ExamPolicy(Frozen):
    source: str = Field(default="", description="where the rules come from, for a person to read")
    scenarios: dict[str, Scenario]
    periods: tuple[Period, ...] = Field(description="in order of their start")


class DispensationAnswers(Frozen):
    """The criteria answered in a dispensation request, as the programme director presents it."""

    controlled_setting: bool
    diversification_plan: bool
    course_level: CourseLevel
    students_at_sitting: int = Field(ge=0)
    emergency_replacement: bool = False
    evidence: str = Field(default="", description="a reference to the evidence: a case number, a file")


class DispensationForm(ApprovalForm):
    """The programme director's presentation of a dispensation request: the policy's criteria
    answered, with a reference to the evidence. Approve presents it to the vice-rector for
    education; reject withdraws it."""

    controlled_setting: bool = Field(
        default=False,
        description="The learning outcomes are facts or procedural skills that can only be examined with "
        "well-defined answers in a controlled setting",
    )
    diversification_plan: bool = Field(
        default=False, description="The application has a 1-2 year plan for more diverse examination"
    )
    course_level: CourseLevel = Field(
        default=CourseLevel.FIRST_CYCLE,
        description="The course's level (preparatory, first, second, third cycle)",
    )
    students_at_sitting: int = Field(
        default=0, ge=0, le=100000, description="Students expected at the sitting"
    )
    emergency_replacement: bool = Field(
        default=False,
        description="An emergency replacement of a campus exam (a camera-surveilled distance exam)",
    )
    evidence: str = Field(
        default="", max_length=500, description="Where the evidence is: a case number, a document's name"
    )

    def answers(self) -> DispensationAnswers:
        return DispensationAnswers(
            controlled_setting=self.controlled_setting,
            diversification_plan=self.diversification_plan,
            course_level=self.course_level,
            students_at_sitting=self.students_at_sitting,
            emergency_replacement=self.emergency_replacement,
            evidence=self.evidence,
        )
