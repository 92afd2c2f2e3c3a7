"""A Canvas LMS stand-in: a course's announcements, in the REST API's public shape.

`POST /api/v1/courses/{course_id}/discussion_topics` with `is_announcement` makes an announcement
(a discussion topic) and answers it; `GET` on the same path lists the course's topics, with
`only_announcements=true` its announcements, newest first, `per_page` at a time (10 by default,
at most 100), paged by a `Link` header of absolute URLs (`current`, `next`, `prev`, `first`,
`last`). Every request needs `Authorization: Bearer <token>`; a missing or unknown token is
answered 401, an unknown course 404, a refused topic 400, each in Canvas's `errors` shape.

As Canvas documents no idempotency key, none is honoured: the same POST twice makes two
announcements. `PUT /_sim/courses/{course_id}` makes a course; `PUT /_sim/slow-creates` makes the
next creates answer only after a delay, the topic made at once, as a create whose answer is lost
to a timeout (the shared faults' hang comes before the request is read, so nothing is made).
State lives in one SQLite file.

    python -m simulators.canvas --port 8760 --state FILE
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from models.settings import STAND_IN_KEY
from models.systems import CANVAS
from simulators.faults import install_faults
from simulators.server import main
from simulators.statefile import StateFile

TOPICS = "/api/v1/courses/{course_id}/discussion_topics"
DEFAULT_PER_PAGE, MAX_PER_PAGE = 10, 100
MAX_TITLE = 255

SCHEMA = """
CREATE TABLE IF NOT EXISTS courses (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id TEXT NOT NULL REFERENCES courses(id),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    is_announcement INTEGER NOT NULL,
    published INTEGER NOT NULL,
    posted_at TEXT NOT NULL
);
"""


class SlowCreates(BaseModel):
    seconds: float = Field(ge=0, le=60)
    count: int = Field(default=1, ge=0)


def errors(status: int, *messages: str, **headers: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": m} for m in messages]}, status_code=status, headers=headers)


class Canvas:
    """The courses and their topics; the routes below only translate HTTP."""

    def __init__(self, state: StateFile, clock: Callable[[], datetime]) -> None:
        self.state = state
        self.clock = clock

    def has_course(self, course_id: str) -> bool:
        return bool(self.state.query("SELECT 1 FROM courses WHERE id = ?", (course_id,)))

    def put_course(self, course_id: str, name: str) -> None:
        with self.state.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO courses (id, name) VALUES (?, ?)", (course_id, name))

    def create(self, course_id: str, body: dict[str, Any], base: str) -> dict[str, Any]:
        posted = self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.state.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO topics (course_id, title, message, is_announcement, published, posted_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    course_id,
                    str(body.get("title") or "No Title"),
                    str(body.get("message") or ""),
                    int(truthy(body.get("is_announcement"))),
                    int(truthy(body.get("published", True))),
                    posted,
                ),
            )
            row = conn.execute("SELECT * FROM topics WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return topic_json(dict(row), base)

    def topics(self, course_id: str, announcements: bool) -> list[dict[str, Any]]:
        rows = self.state.query(
            "SELECT * FROM topics WHERE course_id = ? AND is_announcement = ? ORDER BY posted_at DESC, id DESC",
            (course_id, int(announcements)),
        )
        return [dict(row) for row in rows]


def truthy(value: Any) -> bool:
    """A Canvas boolean parameter: JSON true, or 'true'/'1' in a query."""
    return value is True or str(value).lower() in ("true", "1")


def topic_json(row: dict[str, Any], base: str) -> dict[str, Any]:
    """A DiscussionTopic object as Canvas answers it (the fields examflow's readers document)."""
    return {
        "id": row["id"],
        "title": row["title"],
        "message": row["message"],
        "html_url": f"{base}/courses/{row['course_id']}/discussion_topics/{row['id']}",
        "posted_at": row["posted_at"],
        "delayed_post_at": None,
        "last_reply_at": None,
        "published": bool(row["published"]),
        "is_announcement": bool(row["is_announcement"]),
        "locked": False,
        "pinned": False,
        "require_initial_post": False,
        "discussion_type": "side_comment",
        "discussion_subentry_count": 0,
        "read_state": "read",
        "unread_count": 0,
        "subscribed": False,
        "assignment_id": None,
        "user_name": "examflow",
        "permissions": {"attach": False, "update": True, "reply": False, "delete": True},
    }


def page_links(url: str, query: dict[str, str], page: int, per_page: int, total: int) -> str:
    """Canvas's Link header: absolute URLs that carry every parameter of the page they name."""
    last = max(1, -(-total // per_page))
    rels = {
        "current": page,
        "next": page + 1 if page < last else None,
        "prev": page - 1 if page > 1 else None,
    }
    rels |= {"first": 1, "last": last}
    return ",".join(
        f'<{url}?{urlencode({**query, "page": n, "per_page": per_page})}>; rel="{rel}"'
        for rel, n in rels.items()
        if n is not None
    )


def create_app(
    state_path: Path,
    *,
    tokens: Sequence[str] = (STAND_IN_KEY,),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FastAPI:
    """`tokens` are the API access tokens the stand-in accepts."""
    canvas = Canvas(StateFile(state_path, SCHEMA), clock)
    slow = SlowCreates(seconds=0, count=0)
    app = FastAPI(title="Canvas LMS stand-in (announcements)")
    install_faults(app)

    def refused(request: Request, course_id: str) -> JSONResponse | None:
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            return errors(
                401, "user authorization required", **{"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
            )
        if authorization.removeprefix("Bearer ") not in tokens:
            return errors(401, "Invalid access token.", **{"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
        if not canvas.has_course(course_id):
            return errors(404, "The specified resource does not exist.")
        return None

    @app.post(TOPICS)
    async def create(course_id: str, request: Request) -> JSONResponse:
        if (refusal := refused(request, course_id)) is not None:
            return refusal
        body = await read_body(request)
        if len(str(body.get("title") or "")) > MAX_TITLE:
            problem = {"attribute": "title", "type": "too_long", "message": "too_long"}
            return JSONResponse({"errors": {"title": [problem]}}, status_code=400)
        topic = canvas.create(course_id, body, str(request.base_url).rstrip("/"))
        if slow.count > 0:
            slow.count -= 1
            await asyncio.sleep(slow.seconds)
        return JSONResponse(topic)

    @app.get(TOPICS)
    def listing(course_id: str, request: Request) -> JSONResponse:
        if (refusal := refused(request, course_id)) is not None:
            return refusal
        query = request.query_params
        per_page = min(MAX_PER_PAGE, max(1, whole(query.get("per_page"), DEFAULT_PER_PAGE)))
        page = max(1, whole(query.get("page"), 1))
        rows = canvas.topics(course_id, truthy(query.get("only_announcements")))
        base = str(request.base_url).rstrip("/")
        kept = {k: v for k, v in query.items() if k not in ("page", "per_page")}
        link = page_links(f"{base}{request.url.path}", kept, page, per_page, len(rows))
        shown = rows[(page - 1) * per_page : page * per_page]
        return JSONResponse([topic_json(row, base) for row in shown], headers={"Link": link})

    @app.put("/_sim/slow-creates")
    def slow_creates(settings: SlowCreates) -> SlowCreates:
        slow.seconds, slow.count = settings.seconds, settings.count
        return slow

    @app.put("/_sim/courses/{course_id}")
    def put_course(course_id: str, body: dict[str, str] | None = None) -> dict[str, str]:
        name = (body or {}).get("name", course_id)
        canvas.put_course(course_id, name)
        return {"id": course_id, "name": name}

    return app


async def read_body(request: Request) -> dict[str, Any]:
    """A create's parameters as a JSON body (Canvas also takes a form, which examflow never sends)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def whole(text: str | None, default: int) -> int:
    """A paging parameter; what is no whole number counts as not given."""
    return int(text) if text and text.isdigit() else default


if __name__ == "__main__":
    main(CANVAS, create_app)
