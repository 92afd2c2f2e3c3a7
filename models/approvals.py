"""Approval forms (what a person fills in from the Prefect UI) and what examflow makes of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.domain import Decision, Frozen, Role

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class ApprovalForm(BaseModel):
    """The resume form. Its schema is checked by the Prefect server; identity, role and the
    one-time code are checked by examflow after resume."""

    model_config = ConfigDict(extra="forbid")

    approver_id: str = Field(min_length=1, max_length=64, description="Your staff id, e.g. staff-examiner-1")
    decision: Decision = Field(description="approve, or reject to stop here")
    comment: str = Field(
        default="", max_length=2000, description="Why, in a sentence (kept in the audit log)"
    )
    approval_code: str = Field(
        pattern=f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$",
        description="The one-time code sent to you for this approval (8 characters)",
    )


class AppealGradeForm(ApprovalForm):
    """An appeal committee's answer: the new grade, set blind."""

    new_grade: str = Field(min_length=1, max_length=8, description="The new grade, e.g. B, or Pass")


class GraderNoteIn(BaseModel):
    """A note a grader leaves on one candidate's paper (question 0: the whole paper)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, description="The candidate's anonymisation code")
    question: int = Field(default=0, ge=0, description="The question's number, 0 for the whole paper")
    text: str = Field(min_length=1, max_length=4000, description="The note")
    for_justification: bool = Field(
        default=False, description="Meant for a justification of the grade (else private)"
    )


class GraderApprovalForm(ApprovalForm):
    """A grader approves their own grading, leaving notes where they wish."""

    notes: list[GraderNoteIn] = Field(
        default_factory=list, max_length=2000, description="Notes per candidate and question (optional)"
    )


class ApprovalRequest(Frozen):
    key: str = Field(description="unique per flow run and decision, so a replay asks nothing new")
    occasion_id: str
    kind: str
    role: Role
    title: str
    restart: str = Field(default="", description="how to start the run again should the approval expire")
    flow_run_id: str | None = None
    ui_url: str | None = None
    only: tuple[str, ...] = Field(
        default=(), description="when given, only these holders of the role (a committee)"
    )


class ApprovalTicket(Frozen):
    approval_id: int
    key: str
    role: Role
    approvers: tuple[str, ...]
    expires_at: datetime


class Verdict(Frozen):
    accepted: bool
    reason: str = ""
    approver_id: str
    decision: Decision | None = None
    comment: str = ""
    expired: bool = Field(default=False, description="refused because the approval's time ran out")
    fields: dict[str, Any] = Field(
        default_factory=dict, description="the accepted answer's fields, its code left out"
    )


def appeal_form(grades: tuple[str, ...]) -> type[AppealGradeForm]:
    """The appeal form for one scale: the UI offers exactly its grades and the server refuses others."""
    from typing import Literal

    from pydantic import create_model

    choice = Literal[grades]  # type: ignore[valid-type]
    return create_model(
        "AppealGradeForm",
        __base__=AppealGradeForm,
        new_grade=(choice, Field(description="The new grade, set without seeing the original")),
    )


class JustificationForm(ApprovalForm):
    """The examiner's justification of a grade, sent to the student as written."""

    justification: str = Field(
        min_length=20, max_length=10000, description="The grounds of the grade, as the student will read them"
    )


class OpenApproval(Frozen):
    """An approval still waiting for an answer, as the approvals inbox lists it."""

    approval_id: int
    occasion_id: str
    title: str
    role: Role
    approvers: tuple[str, ...]
    since: datetime
    until: datetime
    flow_run_id: str | None
    locked: bool = False
