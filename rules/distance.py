"""A distance exam's checklist, as universities publish it for exams sat at a distance with an open
video meeting (KTH's pages on examination with Zoom, see docs/distance.md): the meeting and its ID
check, the teacher on call, the test on the platform, and the students told in the learning
platform in writing before the exam. What is done and what is not, each with what a person needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from models.distance import Announcement, ChecklistItem, DistanceExam
from rules.exam_times import STOCKHOLM

MEETING = "Video meeting for ID checks and questions"
ID_CHECK = "ID check in the meeting"
ON_CALL = "Teacher on call"
TEST = "Test on the exam platform"
ANNOUNCEMENT = "Announcement to the students in the learning platform"


@dataclass(frozen=True)
class PlannedExam:
    """What the checklist needs of the planned exam."""

    occasion_id: str
    name: str
    starts_at: datetime
    ends_at: datetime
    platform_test_id: str | None


def missing_for_announcement(details: DistanceExam) -> list[str]:
    """What the announcement must tell the students and is not set yet."""
    wanted = {
        "the video meeting's link": details.meeting_url,
        "the ID check's time": details.id_check_minutes,
        "the teacher on call": details.on_call_teacher,
        "the on-call teacher's phone": details.on_call_phone,
    }
    return [name for name, value in wanted.items() if value is None]


def local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def announcement_title(exam: PlannedExam) -> str:
    """The title names the exam and its day: the announcement's natural key in the course."""
    return f"Distance exam {exam.name} on {local(exam.starts_at):%Y-%m-%d}: video meeting, ID check, teacher on call"


def announcement_message(exam: PlannedExam, details: DistanceExam) -> str:
    """The students' written information before the exam, as HTML (every value escaped)."""
    start, end = local(exam.starts_at), local(exam.ends_at)
    id_check = start - timedelta(minutes=details.id_check_minutes or 0)
    link = escape(str(details.meeting_url), quote=True)
    return (
        f"<p>{escape(exam.name)} is written at a distance on {start:%Y-%m-%d} from {start:%H:%M} to "
        f"{end:%H:%M} (Stockholm time), on the exam platform.</p>"
        f'<p>Join the video meeting <a href="{link}">{link}</a> by {id_check:%H:%M}: the ID check '
        f"opens then, {details.id_check_minutes} minutes before the start. Have your ID document ready "
        "and keep your camera on. Questions during the exam are asked in the meeting.</p>"
        f"<p>Teacher on call during the exam: {escape(details.on_call_teacher or '')}, "
        f"{escape(details.on_call_phone or '')}.</p>"
    )


def checklist(
    exam: PlannedExam, details: DistanceExam, announcement: Announcement | None, failure: str | None = None
) -> list[ChecklistItem]:
    """Every item of the checklist, done or not, in the order an exam office works through it."""
    return [
        _meeting(details),
        _id_check(exam, details),
        _on_call(details),
        _test(exam),
        _announcement(details, announcement, failure),
    ]


def _meeting(details: DistanceExam) -> ChecklistItem:
    if details.meeting_url is None:
        return ChecklistItem(item=MEETING, done=False, detail="no meeting link set")
    return ChecklistItem(item=MEETING, done=True, detail=str(details.meeting_url))


def _id_check(exam: PlannedExam, details: DistanceExam) -> ChecklistItem:
    if details.id_check_minutes is None:
        return ChecklistItem(item=ID_CHECK, done=False, detail="no time set for the ID check")
    if details.meeting_url is None:
        return ChecklistItem(item=ID_CHECK, done=False, detail="no meeting to hold it in")
    opens = local(exam.starts_at) - timedelta(minutes=details.id_check_minutes)
    return ChecklistItem(
        item=ID_CHECK,
        done=True,
        detail=f"opens {opens:%H:%M}, {details.id_check_minutes} minutes before the start",
    )


def _on_call(details: DistanceExam) -> ChecklistItem:
    lacking = [
        name
        for name, value in (("name", details.on_call_teacher), ("phone", details.on_call_phone))
        if value is None
    ]
    if lacking:
        return ChecklistItem(item=ON_CALL, done=False, detail=f"no {' and no '.join(lacking)} set")
    return ChecklistItem(
        item=ON_CALL, done=True, detail=f"{details.on_call_teacher}, {details.on_call_phone}"
    )


def _test(exam: PlannedExam) -> ChecklistItem:
    if exam.platform_test_id is None:
        return ChecklistItem(item=TEST, done=False, detail="not created yet: the plan is not approved")
    return ChecklistItem(item=TEST, done=True, detail=f"test {exam.platform_test_id}")


def _announcement(
    details: DistanceExam, announcement: Announcement | None, failure: str | None
) -> ChecklistItem:
    if announcement is not None:
        when = f" on {local(announcement.posted_at):%Y-%m-%d %H:%M}" if announcement.posted_at else ""
        return ChecklistItem(
            item=ANNOUNCEMENT,
            done=True,
            detail=f"posted in course {announcement.course_id}{when}: {announcement.url}",
        )
    missing = missing_for_announcement(details)
    waits = f"waits for {', '.join(missing)}" if missing else f"not posted: {failure or 'not tried'}"
    return ChecklistItem(item=ANNOUNCEMENT, done=False, detail=f"{waits} (course {details.course_id})")
