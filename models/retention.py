"""What the retention run did with one exam."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from models.domain import Frozen


class RetentionOutcome(StrEnum):
    PURGED = "purged"
    HELD = "held"
    NOT_DUE = "not due"
    UNCONFIRMED = "archive unconfirmed"


class ExamRetention(Frozen):
    occasion_id: str
    outcome: RetentionOutcome
    kinds: list[str] = []  # the kinds purged by this run
    counts: dict[str, int] = {}  # what they held, counted
    reason: str = ""  # why nothing was purged, for a person
    next_due: datetime | None = None  # when the next kind not yet purged falls due


class LegalHoldRequest(Frozen):
    """A coordinator's form to place or lift a legal hold on an exam."""

    occasion_uid: str = Field(min_length=1)
    action: Literal["place", "lift"]
    kind: Literal["complaint", "case"]
    reason: str = Field("", max_length=1000, description="why the exam is held (required to place)")
    staff_id: str = Field(min_length=1, description="the coordinator placing or lifting it")
