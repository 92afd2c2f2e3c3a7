"""A distance exam: what the exam office sets for it (the video meeting, the ID check, the teacher
on call, the course in the learning platform), the checklist made of it, and the announcement the
learning platform holds."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, HttpUrl

from models.domain import Frozen


class DistanceExam(Frozen):
    """What an exam sat at a distance needs beyond the platform's test; what is left empty is
    listed as not done on the exam's checklist."""

    course_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_:.-]+$",
        description="The course in the learning platform (Canvas course id, or sis_course_id:...) "
        "where the students are told",
    )
    meeting_url: HttpUrl | None = Field(
        default=None,
        description="The video meeting (e.g. Zoom) open during the exam for ID checks and questions",
    )
    id_check_minutes: int | None = Field(
        default=None,
        ge=5,
        le=120,
        description="The ID check in the meeting opens this many minutes before the start; empty: not planned",
    )
    on_call_teacher: str | None = Field(
        default=None, min_length=2, max_length=120, description="The teacher on call during the exam"
    )
    on_call_phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9][0-9 -]{5,19}$",
        description="Where students reach the teacher on call, e.g. +46 8 790 60 00",
    )


class Announcement(Frozen):
    """An announcement on a course in the learning platform (a Canvas discussion topic posted as
    an announcement)."""

    course_id: str
    topic_id: str
    title: str
    url: str
    posted_at: datetime | None = None  # None while a delayed post waits


class ChecklistItem(Frozen):
    """One line of a distance exam's checklist: done or not, and what a person should know."""

    item: str
    done: bool
    detail: str
