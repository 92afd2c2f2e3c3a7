"""Canvas's contract: the client reads payloads in Canvas's shape (tests/contracts/canvas)
tolerantly and sends a create that meets Canvas's parameters, and the Canvas stand-in's real HTTP
answers meet the same schemas."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from integrations.canvas import announcement_body, next_link, read_topic, read_topics
from integrations.payload import MissingField
from models.distance import Announcement
from simulators.canvas import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

TOKEN = "contract-token"
COURSE = "5310"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "canvas.db", tokens=[TOKEN])) as url:
        httpx.put(f"{url}/_sim/courses/{COURSE}").raise_for_status()
        yield url


def test_the_client_reads_an_announcement() -> None:
    assert read_topic(COURSE, payload("canvas", "discussion_topic")) == Announcement(
        course_id=COURSE,
        topic_id="2417",
        title="Distance exam SF1625 on 2026-10-20: video meeting, ID check and teacher on call",
        url="https://canvas.example.edu/courses/5310/discussion_topics/2417",
        posted_at=datetime(2026, 10, 13, 7, 30, tzinfo=UTC),
    )


def test_a_delayed_post_has_no_posting_time_and_unknown_fields_are_ignored() -> None:
    topic = read_topic(COURSE, payload("canvas", "discussion_topic.delayed"))
    assert (topic.topic_id, topic.posted_at) == ("2418", None)


def test_the_client_reads_a_page_of_announcements() -> None:
    assert [t.topic_id for t in read_topics(COURSE, payload("canvas", "discussion_topics"))] == [
        "2417",
        "2390",
    ]


@pytest.mark.parametrize("field", ["id", "title", "html_url"])
def test_a_missing_field_is_refused_naming_the_topic_and_the_field(field: str) -> None:
    topic = copy.deepcopy(payload("canvas", "discussion_topic"))
    del topic[field]
    with pytest.raises(
        MissingField, match=f"canvas: course {COURSE} discussion topic.*: the field {field} is"
    ):
        read_topic(COURSE, topic)


def test_a_posting_time_that_is_no_time_is_refused_naming_it() -> None:
    topic = {**payload("canvas", "discussion_topic"), "posted_at": "yesterday"}
    with pytest.raises(MissingField, match="discussion topic 2417: the field posted_at is not a date"):
        read_topic(COURSE, topic)


def test_the_create_the_client_sends_meets_canvas_s_parameters() -> None:
    fixture = payload("canvas", "new_announcement")
    body = announcement_body(fixture["title"], fixture["message"])
    check("canvas", "new_announcement", body)
    assert body == fixture


def test_the_link_header_s_next_page_is_found_and_the_last_page_has_none() -> None:
    header = (
        '<https://c.example/api/v1/courses/1/discussion_topics?page=2&per_page=10>; rel="current",'
        '<https://c.example/api/v1/courses/1/discussion_topics?page=3&per_page=10>; rel="next",'
        '<https://c.example/api/v1/courses/1/discussion_topics?page=1&per_page=10>; rel="first"'
    )
    assert next_link(header) == "https://c.example/api/v1/courses/1/discussion_topics?page=3&per_page=10"
    assert (
        next_link('<https://c.example/x?page=1>; rel="current", <https://c.example/x?page=1>; rel="last"')
        is None
    )
    assert next_link(None) is None


def test_the_stand_in_s_answers_meet_the_schemas(served: str) -> None:
    topics = f"{served}/api/v1/courses/{COURSE}/discussion_topics"
    created = httpx.post(topics, json=payload("canvas", "new_announcement"), headers=AUTH)
    assert created.status_code == 200
    check("canvas", "discussion_topic", created.json())
    listed = httpx.get(topics, params={"only_announcements": "true", "per_page": 1}, headers=AUTH)
    check("canvas", "discussion_topics", listed.json())
    assert 'rel="current"' in listed.headers["Link"] and 'rel="last"' in listed.headers["Link"]
    assert httpx.get(topics, headers=AUTH).json() == []  # without only_announcements: discussions only


@pytest.mark.parametrize(
    ("course", "headers", "body", "status"),
    [
        (COURSE, {"Authorization": "Bearer wrong"}, {}, 401),
        (COURSE, {}, {}, 401),
        ("9999", AUTH, {}, 404),
        (COURSE, AUTH, {"title": "x" * 256, "message": "", "is_announcement": True}, 400),
    ],
    ids=["wrong-token", "no-token", "unknown-course", "title-too-long"],
)
def test_the_stand_in_s_errors_meet_the_schema(
    served: str, course: str, headers: dict[str, str], body: dict[str, object], status: int
) -> None:
    answer = httpx.post(f"{served}/api/v1/courses/{course}/discussion_topics", json=body, headers=headers)
    assert answer.status_code == status
    check("canvas", "errors", answer.json())
