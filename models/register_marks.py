"""What Norway's register (FS) records of an appeal and a justification examflow registers there."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from models.domain import Frozen


class AppealStatus(StrEnum):
    UNDER_APPEAL = "UNDER_BEHANDLING"  # the old result is marked under appeal
    DECIDED = "AVGJORT"  # the new grading is registered; the mark is lifted


class AppealMark(Frozen):
    """An appeal as FS records it: its old result marked under appeal until the new grading is in."""

    appeal_id: str = Field(description="FS's id of the klage")
    candidate: str = Field(description="the candidate number (our anonymisation code)")
    received_on: date
    status: AppealStatus
    result_blocked: bool = Field(description="the old result is marked under appeal (resultatSperret)")


class JustificationMark(Frozen):
    """A justification as FS records it: asked and given."""

    request_id: str = Field(description="FS's id of the begrunnelsesforesporsel")
    candidate: str
    requested_on: date
    given_on: date
