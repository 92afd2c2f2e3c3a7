"""Exam day as it happens: what invigilators and the exam office enter while an exam runs, and
what the platform holds of it (incident time, files attached to a submission)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from models.domain import Frozen
from models.params import AccommodationEntry

CODE = Field(min_length=1, max_length=32, description="The candidate's anonymisation code")
STAFF = Field(min_length=1, max_length=64, description="Your staff id")


class PlatformAttachment(Frozen):
    """A file attached to a candidate's submission on the platform (a scanned sketch)."""

    attachment_id: str
    external_user_id: str
    name: str
    content: bytes


class DayForm(Frozen):
    """What staff type in on the day: codes and ids with stray spaces are taken without them."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ExamIncident(DayForm):
    """An incident on exam day: the minutes the candidate lost are given back on the platform."""

    occasion_uid: str = Field(min_length=1, description="The exam occasion uid")
    candidate_code: str = CODE
    minutes_lost: int = Field(
        ge=1, le=240, description="Minutes the candidate lost, given back as extra time"
    )
    reason: str = Field(min_length=3, max_length=500, description="What happened (no names: the code only)")
    entered_by: str = STAFF


class DayAccommodation(DayForm):
    """A support decision registered on the exam day (e.g. a dyslexia certificate shown at the
    door), taken into the exam at once."""

    occasion_uid: str = Field(min_length=1, description="The exam occasion uid")
    decision: AccommodationEntry
    entered_by: str = Field(min_length=1, max_length=64, description="Your staff id (a coordinator)")


class ExamSketches(DayForm):
    """Scanned sketches: a folder in examflow's uploads holding one PDF per candidate, named by the
    candidate's code (`LA0007.pdf`)."""

    occasion_uid: str = Field(min_length=1, description="The exam occasion uid")
    folder: str = Field(min_length=1, max_length=200, description="The folder in examflow's uploads")
    entered_by: str = STAFF


class AttendanceRoll(DayForm):
    """The invigilators' roll: the codes of the candidates they saw absent (all others were present)."""

    occasion_uid: str = Field(min_length=1, description="The exam occasion uid")
    absent_codes: list[str] = Field(
        default_factory=list, max_length=5000, description="Codes of the candidates not in the room"
    )
    entered_by: str = STAFF
