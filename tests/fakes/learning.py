"""The learning platform (Canvas) in memory, as `simulators/canvas.py` behaves: courses made by the
test, announcements listed newest first, an unknown course refused with 404 and a title over 255
characters with 400. Canvas keeps no idempotency key: `announce` posts only when no announcement of
the course has the title, as the client does by reading before it posts."""

from __future__ import annotations

from datetime import UTC, datetime

from models.distance import Announcement
from models.systems import CANVAS
from tests.fakes.base import FakeConnection, Outages

MAX_TITLE = 255


class FakeCanvas(FakeConnection):
    system = CANVAS.name

    def __init__(self, outages: Outages) -> None:
        super().__init__(outages)
        self.courses: dict[str, list[Announcement]] = {}  # by course id, oldest first

    def add_course(self, course_id: str) -> None:
        self.courses.setdefault(course_id, [])

    def announcements(self, course_id: str) -> list[Announcement]:
        self.called()
        return list(reversed(self._course(course_id)))

    def announce(self, course_id: str, *, title: str, message: str) -> tuple[Announcement, bool]:
        held = next((a for a in self.announcements(course_id) if a.title == title), None)
        if held is not None:
            return held, False
        if len(title) > MAX_TITLE:
            raise self.refused(400, f"title: is too long (maximum is {MAX_TITLE} characters)")
        topics = self._course(course_id)
        topic_id = str(sum(len(t) for t in self.courses.values()) + 1)
        posted = Announcement(
            course_id=course_id,
            topic_id=topic_id,
            title=title,
            url=f"https://canvas.invalid/courses/{course_id}/discussion_topics/{topic_id}",
            posted_at=datetime.now(UTC),
        )
        topics.append(posted)
        return posted, True

    def _course(self, course_id: str) -> list[Announcement]:
        if course_id not in self.courses:
            raise self.refused(404, "The specified resource does not exist.")
        return self.courses[course_id]
