"""Graders' claims for pay: the hours a grader records on an exam, line by line, in the form that
starts `grader-claims`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from models.domain import Frozen


class ClaimKind(StrEnum):
    """What the hours of a line were spent on, and so what its reference names."""

    CANDIDATE = "candidate"  # one candidate's paper: an anonymisation code
    QUESTION_SET = "question_set"  # questions graded across the candidates: "3" or "1-4"
    APPEAL = "appeal"  # an appealed paper graded again: an anonymisation code
    JUSTIFICATION = "justification"  # a justification of a grade: an anonymisation code


class ClaimLine(Frozen):
    kind: ClaimKind = Field(description="candidate, question_set, appeal or justification")
    reference: str = Field(
        min_length=1,
        max_length=32,
        description="The candidate's anonymisation code, or the questions' numbers for a question set, e.g. 1-4",
    )
    # Any number is taken here so that a wrong one is refused by examflow's check, which names the line.
    hours: Decimal = Field(description="Hours spent, e.g. 0.5 (at most two decimals)")
    worked_on: date | None = Field(default=None, description="The day of the work; empty: the day claimed")


class GraderClaims(Frozen):
    """A grader's timesheet for one exam: the institute's administrator approves it, the HR system
    (Paga in Norway, Primula in Sweden) imports it from a file, and HR marks it paid."""

    occasion_uid: str = Field(description="The exam occasion uid")
    grader_id: str = Field(min_length=1, max_length=64, description="Your staff id")
    lines: list[ClaimLine] = Field(min_length=1, max_length=500, description="Your hours, line by line")
