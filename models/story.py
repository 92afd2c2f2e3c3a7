"""What examflow holds of one candidate on one exam, gathered from its store and the platform:
the rows `rules.story` merges into one timeline. Times are aware UTC; a row without a time of its
own (marks, the platform's candidate) is placed by the rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from models.domain import Frozen


class StoryRegistration(Frozen):
    registration_id: int
    occasion_id: str
    occasion_name: str
    country: str
    starts_at: datetime
    ends_at: datetime
    platform_test_id: str | None
    student_uid: str
    code: str
    status: str
    extra_time_minutes: int
    updated_at: datetime


class StoryStudent(Frozen):
    """The personal details we hold: only whether each is held and the name, never shown to staff."""

    uid: str
    name: str
    has_national_id: bool
    has_email: bool


class StoryPlatformCandidate(Frozen):
    candidate_code: str
    extra_time_minutes: int


class StoryAttendance(Frozen):
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    extra_time_minutes: int


class StoryMark(Frozen):
    question: int
    score: float
    max_score: float
    graders: tuple[tuple[str, float], ...] = ()  # (grader's name, their score)


class StoryGrade(Frozen):
    grade: str
    points: float | None
    status: str
    source: str
    updated_at: datetime


class StoryApproval(Frozen):
    title: str
    decided_by: str  # the approver's name
    decision: str
    decided_at: datetime


class StoryTransfer(Frozen):
    grade: str
    status: str
    created_at: datetime
    updated_at: datetime
    register_result_uid: str | None
    error: str | None


class StoryJustification(Frozen):
    requested_on: date
    due_on: date
    given_on: date | None
    given_by: str | None


class StoryAppeal(Frozen):
    received_on: date
    status: str
    original_grade: str
    new_grade: str | None
    decided_at: datetime | None
    committees: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (stage, members' names)


class StoryArchiveEntry(Frozen):
    kind: str
    filename: str
    case_id: str
    sha256: str
    archived_at: datetime


class StoryAuditEntry(Frozen):
    at: datetime
    actor: str  # the staff member's name, else the actor as logged (examflow, a staff id)
    action: str
    seq: int
    detail: dict[str, Any]


class CandidateRows(Frozen):
    registration: StoryRegistration
    student: StoryStudent
    platform: StoryPlatformCandidate | None = None
    attendance: StoryAttendance | None = None
    marks: tuple[StoryMark, ...] = ()
    grade: StoryGrade | None = None
    approvals: tuple[StoryApproval, ...] = ()
    transfers: tuple[StoryTransfer, ...] = ()
    justification: StoryJustification | None = None
    appeal: StoryAppeal | None = None
    archive: tuple[StoryArchiveEntry, ...] = ()
    audit: tuple[StoryAuditEntry, ...] = ()
    notes: int = 0  # graders' notes held on the candidate
    mails: int = 0  # mails to the student in the outbox


class CandidateStory(Frozen):
    """Whose story, asked by whom: a candidate by their exam's occasion and anonymisation code, or
    (for the exam office) a student by their register uid, every exam of theirs."""

    asker_id: str = Field(description="your staff id; only the exam office may read a story")
    occasion_uid: str | None = Field(default=None, description="the exam's occasion, with the code")
    code: str | None = Field(default=None, description="the candidate's anonymisation code")
    student_uid: str | None = Field(default=None, description="or: the student's register uid")

    @model_validator(mode="after")
    def _one_subject(self) -> CandidateStory:
        by_code = bool(self.occasion_uid and self.code)
        if by_code == bool(self.student_uid) or (bool(self.occasion_uid) != bool(self.code)):
            raise ValueError("give either occasion_uid and code, or student_uid")
        return self

    def subject(self) -> str:
        if self.student_uid:
            return f"student {self.student_uid}"
        return f"candidate {self.code} of {self.occasion_uid}"
