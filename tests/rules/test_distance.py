"""The distance exam's checklist, item by item, and the announcement's text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.distance import Announcement, DistanceExam
from rules.distance import (
    ANNOUNCEMENT,
    ID_CHECK,
    MEETING,
    ON_CALL,
    TEST,
    PlannedExam,
    announcement_message,
    announcement_title,
    checklist,
    missing_for_announcement,
)

EXAM = PlannedExam(
    occasion_id="occ-1",
    name="SF1625 <Calculus>",
    starts_at=datetime(2026, 10, 20, 6, 0, tzinfo=UTC),  # 08:00 in Stockholm (summer time)
    ends_at=datetime(2026, 10, 20, 10, 0, tzinfo=UTC),
    platform_test_id="t-1",
)
FULL = DistanceExam(
    course_id="5310",
    meeting_url="https://kth-se.zoom.us/j/1?pwd=a&b=c",
    id_check_minutes=20,
    on_call_teacher="Maria Berg",
    on_call_phone="+46 8 790 60 00",
)
POSTED = Announcement(
    course_id="5310",
    topic_id="7",
    title="t",
    url="https://canvas.example.edu/courses/5310/discussion_topics/7",
    posted_at=datetime(2026, 10, 13, 7, 30, tzinfo=UTC),
)


def states(
    details: DistanceExam, exam: PlannedExam = EXAM, posted: Announcement | None = None
) -> dict[str, str]:
    return {
        i.item: ("done" if i.done else "open") + ": " + i.detail for i in checklist(exam, details, posted)
    }


@pytest.mark.parametrize(
    ("change", "item", "expected"),
    [
        ({}, MEETING, "done: https://kth-se.zoom.us/j/1?pwd=a&b=c"),
        ({"meeting_url": None}, MEETING, "open: no meeting link set"),
        ({}, ID_CHECK, "done: opens 07:40, 20 minutes before the start"),
        ({"id_check_minutes": None}, ID_CHECK, "open: no time set for the ID check"),
        ({"meeting_url": None}, ID_CHECK, "open: no meeting to hold it in"),
        ({}, ON_CALL, "done: Maria Berg, +46 8 790 60 00"),
        ({"on_call_teacher": None}, ON_CALL, "open: no name set"),
        ({"on_call_teacher": None, "on_call_phone": None}, ON_CALL, "open: no name and no phone set"),
        ({}, ANNOUNCEMENT, "open: not posted: not tried (course 5310)"),
        ({"meeting_url": None}, ANNOUNCEMENT, "open: waits for the video meeting's link (course 5310)"),
    ],
)
def test_each_item_done_or_not_says_why(change: dict[str, object], item: str, expected: str) -> None:
    assert states(FULL.model_copy(update=change))[item] == expected


def test_the_test_is_open_until_the_plan_is_approved() -> None:
    unplanned = PlannedExam(**{**EXAM.__dict__, "platform_test_id": None})
    assert states(FULL, unplanned)[TEST] == "open: not created yet: the plan is not approved"
    assert states(FULL)[TEST] == "done: test t-1"


def test_a_posted_announcement_is_done_with_its_time_and_address() -> None:
    assert states(FULL, posted=POSTED)[ANNOUNCEMENT] == (
        "done: posted in course 5310 on 2026-10-13 09:30: https://canvas.example.edu/courses/5310/discussion_topics/7"
    )


def test_a_failure_to_post_is_said() -> None:
    (item,) = [
        i for i in checklist(EXAM, FULL, None, "canvas: 401: Invalid access token.") if i.item == ANNOUNCEMENT
    ]
    assert item.detail == "not posted: canvas: 401: Invalid access token. (course 5310)"


def test_everything_the_announcement_tells_must_be_set() -> None:
    assert missing_for_announcement(FULL) == []
    empty = DistanceExam(course_id="5310")
    assert missing_for_announcement(empty) == [
        "the video meeting's link",
        "the ID check's time",
        "the teacher on call",
        "the on-call teacher's phone",
    ]


def test_the_announcement_names_the_exam_s_day_and_escapes_what_it_quotes() -> None:
    assert announcement_title(EXAM) == (
        "Distance exam SF1625 <Calculus> on 2026-10-20: video meeting, ID check, teacher on call"
    )
    message = announcement_message(EXAM, FULL)
    assert "SF1625 &lt;Calculus&gt; is written at a distance on 2026-10-20 from 08:00 to 12:00" in message
    assert '<a href="https://kth-se.zoom.us/j/1?pwd=a&amp;b=c">' in message
    assert "by 07:40: the ID check opens then, 20 minutes before the start" in message
    assert "Teacher on call during the exam: Maria Berg, +46 8 790 60 00." in message


@pytest.mark.parametrize(
    ("field", "value"),
    [("course_id", ""), ("course_id", "a/b"), ("on_call_phone", "call me"), ("id_check_minutes", 2)],
)
def test_bad_details_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        DistanceExam(**{**FULL.model_dump(), field: value})
