"""CanvasClient against the Canvas stand-in over real HTTP; only faults and sleeping are injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.canvas import CanvasClient
from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.protocols import LearningPlatform
from integrations.systems import HttpSystems
from models.settings import STAND_IN_KEY, settings_from_env
from simulators.canvas import create_app
from simulators.server import serve_in_thread

TOKEN = "canvas-test-token"
COURSE = "5310"
TOPICS = "POST /api/v1/courses/{course_id}/discussion_topics"
LISTS = "GET /api/v1/courses/{course_id}/discussion_topics"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "canvas.db", tokens=[TOKEN])) as url:
        httpx.put(f"{url}/_sim/courses/{COURSE}", json={"name": "SF1625 Calculus"}).raise_for_status()
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_of(url: str, sleeps: list[float], token: str = TOKEN, **options: float) -> CanvasClient:
    retry = RetryPolicy(attempts=int(options.pop("attempts", 5)), sleep=sleeps.append)
    return CanvasClient(f"{url}/", token=token, retry=retry, page_size=10, **options)


@pytest.fixture
def client(served: str, sleeps: list[float]) -> Iterator[CanvasClient]:
    with client_of(served, sleeps) as canvas:
        yield canvas


def set_faults(url: str, **settings: float) -> None:
    httpx.put(f"{url}/_sim/faults", json=settings).raise_for_status()


def faults(url: str) -> dict[str, dict[str, int]]:
    return httpx.get(f"{url}/_sim/faults").json()  # type: ignore[no-any-return]


def test_meets_the_protocol_and_posts_an_announcement_once(served: str, client: CanvasClient) -> None:
    learning: LearningPlatform = client
    posted, new = learning.announce(COURSE, title="Distance exam SF1625", message="<p>At 08:00.</p>")
    again, new_again = learning.announce(COURSE, title="Distance exam SF1625", message="<p>At 08:00.</p>")
    assert (new, new_again) == (True, False)
    assert again == posted
    assert posted.url == f"{served}/courses/{COURSE}/discussion_topics/{posted.topic_id}"
    assert posted.posted_at is not None
    assert [a.title for a in learning.announcements(COURSE)] == ["Distance exam SF1625"]
    assert faults(served)["requests"][TOPICS] == 1


def test_canvas_itself_posts_the_same_announcement_twice(served: str) -> None:
    """Why the client looks first: Canvas honours no idempotency key."""
    body = {"title": "Twice", "message": "<p>x</p>", "is_announcement": True}
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "same-key"}
    for _ in range(2):
        httpx.post(f"{served}/api/v1/courses/{COURSE}/discussion_topics", json=body, headers=headers)
    listed = httpx.get(
        f"{served}/api/v1/courses/{COURSE}/discussion_topics",
        params={"only_announcements": "true"},
        headers=headers,
    ).json()
    assert [t["title"] for t in listed] == ["Twice", "Twice"]


def test_follows_every_page_of_the_link_header(served: str, client: CanvasClient) -> None:
    for i in range(23):
        client.announce(COURSE, title=f"Notice {i:02d}", message="<p>x</p>")
    set_faults(served)  # counts from here
    found = client.announcements(COURSE)
    assert sorted(a.title for a in found) == [f"Notice {i:02d}" for i in range(23)]
    assert faults(served)["requests"][LISTS] == 3  # pages of 10: 10 + 10 + 3


def test_a_post_that_timed_out_but_landed_is_found_not_posted_again(served: str) -> None:
    """Canvas makes the topic but answers after the client's timeout: the next look finds it."""
    httpx.put(f"{served}/_sim/slow-creates", json={"seconds": 0.6, "count": 1}).raise_for_status()
    set_faults(served)  # counts from here
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, sleep=waits.append)
    with CanvasClient(f"{served}/", token=TOKEN, retry=retry, timeout=0.3) as canvas:
        posted, new = canvas.announce(COURSE, title="Distance exam", message="<p>x</p>")
        assert new is True
        assert [a.topic_id for a in canvas.announcements(COURSE)] == [posted.topic_id]
    assert len(waits) == 1


def test_retries_503_on_the_post_and_posts_once(
    served: str, client: CanvasClient, sleeps: list[float]
) -> None:
    set_faults(served, error_rate=0.5, seed=1)
    client.announce(COURSE, title="Distance exam", message="<p>x</p>")
    assert faults(served)["injected"]["error"] > 0
    assert len(sleeps) == faults(served)["injected"]["error"]
    set_faults(served)
    assert len(client.announcements(COURSE)) == 1


def test_honours_retry_after_on_429(served: str, client: CanvasClient, sleeps: list[float]) -> None:
    set_faults(served, throttle_rate=0.5, retry_after_seconds=0.25, seed=3)
    client.announce(COURSE, title="Distance exam", message="<p>x</p>")
    throttled = faults(served)["injected"]["throttle"]
    assert throttled > 0
    assert sleeps == [0.25] * throttled


def test_gives_up_as_unavailable_when_canvas_stays_down(served: str, sleeps: list[float]) -> None:
    set_faults(served, error_rate=1)
    with client_of(served, sleeps, attempts=3) as canvas, pytest.raises(Unavailable, match="gave up after 3"):
        canvas.announce(COURSE, title="Distance exam", message="<p>x</p>")


def test_a_wrong_token_is_refused_at_once_naming_canvas_s_message(served: str, sleeps: list[float]) -> None:
    with client_of(served, sleeps, token="wrong") as canvas, pytest.raises(ApiError) as refused:
        canvas.announce(COURSE, title="Distance exam", message="<p>x</p>")
    assert str(refused.value) == "canvas: 401: Invalid access token."
    assert sleeps == []


def test_an_unknown_course_is_refused_and_nothing_posted(client: CanvasClient, sleeps: list[float]) -> None:
    with pytest.raises(ApiError, match="canvas: 404: The specified resource does not exist."):
        client.announce("9999", title="Distance exam", message="<p>x</p>")
    assert sleeps == []


def test_a_refused_title_names_the_field(served: str, client: CanvasClient, sleeps: list[float]) -> None:
    with pytest.raises(ApiError, match="canvas: 400: title: too_long"):
        client.announce(COURSE, title="x" * 300, message="<p>x</p>")
    assert sleeps == []
    assert client.announcements(COURSE) == []


def test_the_seam_opens_the_client_from_the_settings(tmp_path: Path) -> None:
    """With the declared defaults (the stand-in's token), as `make run` and the demo start it."""
    with serve_in_thread(create_app(tmp_path / "canvas.db")) as url:
        httpx.put(f"{url}/_sim/courses/{COURSE}").raise_for_status()
        settings = settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_CANVAS_URL": f"{url}/"})
        assert settings.canvas_token.get_secret_value() == STAND_IN_KEY
        with HttpSystems(settings).learning() as learning:
            learning.announce(COURSE, title="Through the seam", message="<p>x</p>")
            assert [a.title for a in learning.announcements(COURSE)] == ["Through the seam"]
