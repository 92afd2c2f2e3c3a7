"""Domain records shared by every layer: the register's and the platform's facts as examflow sees them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Country(StrEnum):
    SE = "SE"
    NO = "NO"


class ExamType(StrEnum):
    DIGITAL_SCHOOL = "digital_school"
    DIGITAL_REEXAM = "digital_reexam"
    HOME = "home"
    PAPER = "paper"
    ORAL = "oral"


class Role(StrEnum):
    COORDINATOR = "coordinator"
    PLANNER = "planner"
    EXAMINER = "examiner"
    GRADER = "grader"
    APPEAL_GRADER = "appeal_grader"
    INVIGILATOR = "invigilator"
    IT_SUPPORT = "it_support"
    ADMINISTRATOR = "administrator"  # the institute's administrator: approves graders' timesheets
    HR = "hr"
    COURSE_RESPONSIBLE = "course_responsible"  # applies for a digital exam
    PROGRAMME_DIRECTOR = "programme_director"  # presents a dispensation from the exam policy
    VICE_RECTOR = "vice_rector"  # the vice-rector for education: decides a dispensation


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RegradeKind(StrEnum):
    APPEAL = "appeal"  # Norway: klagesensur
    CORRECTION = "correction"  # Sweden: rättelse of an obvious error
    RECONSIDERATION = "reconsideration"  # Sweden: omprövning
    ADJUSTMENT = "adjustment"  # either: a change before the student is told


class RequestKind(StrEnum):
    """What a student asked the register for after the result: its grounds, or a new grading."""

    JUSTIFICATION = "justification"
    APPEAL = "appeal"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    REMOVED = "removed"


class AttendanceStatus(StrEnum):
    SUBMITTED = "submitted"
    ABSENT = "absent"


class RegisterModule(Frozen):
    """A module (moment) of a course round, as the register describes it."""

    uid: str
    code: str
    name: str
    credits: float
    scale_id: int
    reportable: bool


class RegisterCourseRound(Frozen):
    uid: str
    code: str
    scale_id: int
    modules: tuple[RegisterModule, ...]


class RegisterOccasion(Frozen):
    """An exam occasion (aktivitetstillfälle) with the modules it examines. The register gives its
    dates (`Datumperiod`), never clock times: those are part of the exam's plan (`ExamWindow`)."""

    uid: str
    name: str
    start_date: date
    end_date: date
    module_uids: tuple[str, ...]
    course_round_uids: tuple[str, ...]
    submission_deadline: datetime | None = Field(
        default=None, description="FS's innleveringsfrist, local wall-clock time; Ladok has none"
    )


class ExamWindow(Frozen):
    """When the exam is written, as planned: aware UTC instants and the working time."""

    starts_at: datetime
    ends_at: datetime
    duration_minutes: int


class RegisterDraft(Frozen):
    """A result on a module that can still change (Arbetsunderlag)."""

    result_uid: str
    grade_id: int
    grade_code: str
    scale_id: int
    exam_date: date
    process_status: int
    version: str = Field(
        description="SenasteResultatandring, the optimistic-lock token: opaque, sent back as received"
    )


class StudyResult(Frozen):
    """One student's row on an occasion: who, where results go, and what the register holds."""

    study_result_uid: str
    student_uid: str
    first_name: str
    last_name: str
    course_round_uid: str
    module_uid: str
    scale_id: int
    anonymisation_code: str | None
    draft: RegisterDraft | None = None
    attested_grade_code: str | None = None


class RegisteredStudent(NamedTuple):
    """A study result as the registration sync needs it. A plain row rather than a validated
    model: the nightly sync reads 100,000 of them, and building each as a `StudyResult` cost more
    CPU than parsing its JSON."""

    study_result_uid: str
    student_uid: str
    first_name: str
    last_name: str
    course_round_uid: str
    module_uid: str
    anonymisation_code: str | None


class RegisterEvent(Frozen):
    """A registration made or withdrawn in the register since it was last asked (Norway: FS's
    `studenthendelser`): which registration (study result), and the occasion when the register
    names it (a withdrawal names only the registration)."""

    kind: str = Field(description="registered or withdrawn")
    registration_id: str = Field(description="the register's id of the registration (study result)")
    occasion_uid: str | None = None
    at: datetime


class RegisterEvents(Frozen):
    events: list[RegisterEvent]
    cursor: str | None = Field(description="where to read on from next time; None: from the start")


class CommissionGrader(Frozen):
    user: str | None = Field(description="the grader's Feide user, where the register has one")
    name: str
    external: bool


class Commission(Frozen):
    """A grading commission as the register names it (FS: `Kommisjon`)."""

    number: str
    name: str
    graders: tuple[CommissionGrader, ...] = ()


class GradingInformation(Frozen):
    """What the register says of an exam's grading (FS: `sensurinformasjon`)."""

    grading_deadline: datetime | None = Field(description="sensurfrist")
    announced_at: datetime | None = Field(description="kunngjoringsdato: when the results are published")
    commissions: tuple[Commission, ...] = ()


class Accommodation(Frozen):
    student_uid: str
    extra_time_minutes: int = 0
    separate_room: bool = False
    equipment: str = ""


class PlatformTest(Frozen):
    test_id: str
    external_id: str
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime


class PlatformCandidate(Frozen):
    """A candidate on a platform test, keyed by the register's student uid; `candidate_id` is the
    platform's own per-test id, known once the platform lists the candidate. `building` and `room`
    are where the seating plan puts them (empty: not seated)."""

    external_user_id: str
    candidate_code: str
    extra_time_minutes: int = 0
    candidate_id: str = ""
    building: str = ""
    room: str = ""


class PlatformGrader(Frozen):
    """A grader as the platform's contributor: `staff_id` is their external id."""

    staff_id: str
    name: str
    email: str


class PlatformCommittee(Frozen):
    """A grading committee on the platform: its graders and its candidates (register student uids)."""

    name: str = Field(max_length=50)
    graders: tuple[PlatformGrader, ...]
    external_user_ids: tuple[str, ...]


class SimilarityReport(Frozen):
    """The similarity service's verdict on one document; `percent` is None while it is pending."""

    document_id: str
    status: str
    percent: float | None = None


class RegisterRequest(Frozen):
    """A request for a justification or an appeal as the register (Norway: FS) holds it."""

    request_id: str = Field(description="the register's id of the request")
    kind: RequestKind
    candidate: str = Field(description="the candidate number (our anonymisation code)")
    received_on: date
    justification_asked: bool = Field(default=False, description="an appeal: a justification was asked first")


class ArchivedDocument(Frozen):
    case_id: str
    document_id: str
    title: str
    size: int
    sha256: str
