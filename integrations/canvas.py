"""The learning platform's client: Canvas LMS's REST API, for a course's announcements.

Meets `integrations.protocols.LearningPlatform`. Every request carries the API token as
`Authorization: Bearer`. A course's announcements are its discussion topics listed with
`only_announcements=true`, paged by `Link` headers whose `rel="next"` URL is followed as given.
An error answer's `errors` (a list of messages, or per field on a refused create) is raised as
ApiError naming the status and each message.

Canvas documents no idempotency key: the same POST twice makes two announcements, and so would a
retry of a POST that timed out after Canvas had made it. So `announce` never retries a POST
blindly: before each attempt it reads the course's announcements and posts only when none has the
title; a title names its exam and day, so it is the announcement's natural key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from integrations.http import TRANSIENT_STATUS, ApiClient, ApiError, RetryPolicy, Unavailable, _retry_after
from integrations.payload import MissingField, required
from models.distance import Announcement

SYSTEM = "canvas"
PAGE_SIZE = 50


class CanvasClient(ApiClient):
    system = SYSTEM

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry)
        self._authorization = f"Bearer {token}"
        self.page_size = page_size

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization}

    def announcements(self, course_id: str) -> list[Announcement]:
        """Every announcement of the course, all pages, in Canvas's order."""
        url: str | None = topics_path(course_id)
        params: dict[str, Any] | None = {"only_announcements": "true", "per_page": self.page_size}
        found: list[Announcement] = []
        while url is not None:
            response = self.request("GET", url, params=params)
            found += read_topics(course_id, response.json())
            url, params = next_link(response.headers.get("Link")), None
        return found

    def announce(self, course_id: str, *, title: str, message: str) -> tuple[Announcement, bool]:
        """The course's announcement with this title, posted unless it is there; True when this
        call posted it (an attempt that failed transiently may have landed: it is found, not
        posted again)."""
        body = announcement_body(title, message)
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            existing = next((a for a in self.announcements(course_id) if a.title == title), None)
            if existing is not None:
                return existing, attempt > 1
            response, retry_after, last = self._post_once(topics_path(course_id), body)
            if response is not None:
                return read_topic(course_id, response.json()), True
            if attempt < self.retry.attempts:
                self.retry.sleep(self.retry.delay(attempt, retry_after))
        raise Unavailable(self.system, None, f"gave up after {self.retry.attempts} tries: {last}")

    def _post_once(self, path: str, body: dict[str, Any]) -> tuple[httpx.Response | None, float | None, str]:
        """One POST: its answer, or None with the wait Canvas asked for and what went wrong when it
        failed transiently; any other refusal is raised."""
        try:
            response = self._send("POST", path, body, None, None, {})
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            return None, None, f"{type(exc).__name__} on POST {path}"
        if response.status_code < 400:
            return response, None, ""
        if response.status_code not in TRANSIENT_STATUS:
            self.raise_for(response)
        return None, _retry_after(response), f"{response.status_code} on POST {path}"

    def raise_for(self, response: httpx.Response) -> None:
        raise ApiError(self.system, response.status_code, describe_errors(response))


def announcement_body(title: str, message: str) -> dict[str, Any]:
    """A create's parameters: a discussion topic made an announcement, published at once."""
    return {"title": title, "message": message, "is_announcement": True, "published": True}


def topics_path(course_id: str) -> str:
    return f"api/v1/courses/{course_id}/discussion_topics"


def describe_errors(response: httpx.Response) -> str:
    """Canvas's `errors`: a list of `{message}`, or per field a list of `{attribute, message}`."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    if isinstance(errors, dict):
        return "; ".join(
            f"{field}: {e.get('message', e) if isinstance(e, dict) else e}"
            for field, problems in errors.items()
            for e in (problems if isinstance(problems, list) else [problems])
        )
    return response.text[:500]


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a Link header, or None on the last page."""
    for part in (header or "").split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None


def read_topics(course_id: str, data: Any) -> list[Announcement]:
    if not isinstance(data, list):
        raise MissingField(SYSTEM, f"course {course_id} announcements", "(list)", "is not a list of topics")
    return [read_topic(course_id, topic) for topic in data]


def read_topic(course_id: str, topic: Any) -> Announcement:
    """One discussion topic; unknown fields are ignored, a missing one is refused naming it."""
    topic_id = required(SYSTEM, f"course {course_id} discussion topic", topic, "id")
    record = f"course {course_id} discussion topic {topic_id}"
    posted = topic.get("posted_at")
    try:
        posted_at = datetime.fromisoformat(posted) if posted is not None else None
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, "posted_at", f"is not a date and time: {posted}") from None
    return Announcement(
        course_id=course_id,
        topic_id=str(topic_id),
        title=str(required(SYSTEM, record, topic, "title")),
        url=str(required(SYSTEM, record, topic, "html_url")),
        posted_at=posted_at,
    )
