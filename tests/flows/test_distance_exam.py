"""distance-exam through the real flow, on SQLite and PostgreSQL, with the Canvas stand-in the flow
tests serve from its declaration: the checklist lists what is done and what is not, the announcement
waits until everything it tells the students is set, is then posted once in the course (a second
run finds it and posts nothing), and a refusal of the learning platform fails the run saying why
with the checklist still published. Last, plan-exam with distance details runs the checklist once
its test is made, in a term of its own (every occasion of the shared term is another test's)."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.artifacts import Artifact

from deployments.staff import seed_staff
from flows.distance_exam import distance_exam
from flows.plan_exam import plan_exam
from models.distance import DistanceExam
from models.params import DistanceChecklist, PlanExam
from models.systems import CANVAS, LADOK, SYSTEMS
from rules.exam_times import STOCKHOLM
from simulators.server import serve_in_thread
from store import audit
from store.db import make_engine, transaction
from store.migrate import upgrade
from store.occasions import UnknownOccasion
from tests.conftest import examflow_environment
from tests.factories import an_occasion
from tests.flows.conftest import World, approving, stand_in

EXAM = "distance-exam-1"
COURSE = "5310"
KEY = f"distance-checklist-{EXAM}"
COMPLETE = DistanceExam(
    course_id=COURSE,
    meeting_url="https://kth-se.zoom.us/j/64012345678",
    id_check_minutes=30,
    on_call_teacher="Maria Berg",
    on_call_phone="+46 8 790 60 00",
)


def starts() -> datetime:
    """09:00 Stockholm time, ten days ahead."""
    day = datetime.now(STOCKHOLM).date() + timedelta(days=10)
    return datetime.combine(day, time(9, 0), STOCKHOLM).astimezone(UTC)


@pytest.fixture(scope="module")
def canvas(world: World) -> str:
    """The Canvas stand-in's address; the exam is planned in our store, its course made in Canvas."""
    url = world.urls[CANVAS.name]
    httpx.put(f"{url}/_sim/courses/{COURSE}", json={"name": "SF1625 Calculus"}).raise_for_status()
    with transaction() as session:
        session.add(
            an_occasion(
                EXAM,
                name="SF1625 Calculus, distance exam",
                exam_type="home",
                starts_at=starts(),
                ends_at=starts() + timedelta(hours=4),
                platform_test_id="test-distance-1",
            )
        )
    return url


def announcements(url: str, course: str = COURSE) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{url}/api/v1/courses/{course}/discussion_topics",
        params={"only_announcements": "true", "per_page": 100},
        headers={"Authorization": "Bearer local-stand-in-key"},
    )
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def checklist(key: str = KEY) -> dict[str, tuple[str, str]]:
    artifact = Artifact.get(key)
    assert artifact is not None
    rows = json.loads(str(artifact.data))
    return {row["item"]: (row["done"], row["detail"]) for row in rows}


def announced_events() -> int:
    with transaction() as session:
        return len(audit.events(session, occasion_id=EXAM, action="distance.announced"))


def test_an_incomplete_checklist_posts_nothing_and_says_what_is_missing(canvas: str) -> None:
    details = COMPLETE.model_copy(update={"on_call_phone": None, "id_check_minutes": None})
    result = distance_exam(DistanceChecklist(occasion_uid=EXAM, distance=details))
    assert result == {"done": 2, "not_done": 3, "announced": 0}
    assert checklist() == {
        "Video meeting for ID checks and questions": ("yes", "https://kth-se.zoom.us/j/64012345678"),
        "ID check in the meeting": ("NO", "no time set for the ID check"),
        "Teacher on call": ("NO", "no phone set"),
        "Test on the exam platform": ("yes", "test test-distance-1"),
        "Announcement to the students in the learning platform": (
            "NO",
            f"waits for the ID check's time, the on-call teacher's phone (course {COURSE})",
        ),
    }
    assert announcements(canvas) == []
    assert announced_events() == 0


def test_a_complete_checklist_announces_once_however_often_it_runs(canvas: str) -> None:
    first = distance_exam(DistanceChecklist(occasion_uid=EXAM, distance=COMPLETE))
    second = distance_exam(DistanceChecklist(occasion_uid=EXAM, distance=COMPLETE))
    assert first == second == {"done": 5, "not_done": 0, "announced": 1}
    (posted,) = announcements(canvas)
    day = starts().astimezone(STOCKHOLM)
    assert posted["title"] == (
        f"Distance exam SF1625 Calculus, distance exam on {day:%Y-%m-%d}: video meeting, ID check, teacher on call"
    )
    assert "https://kth-se.zoom.us/j/64012345678" in posted["message"]
    assert "by 08:30: the ID check opens then, 30 minutes before the start" in posted["message"]
    assert "Maria Berg, +46 8 790 60 00" in posted["message"]
    assert announced_events() == 1
    done, detail = checklist()["Announcement to the students in the learning platform"]
    assert done == "yes" and detail.endswith(f"/courses/{COURSE}/discussion_topics/{posted['id']}")
    assert checklist()["ID check in the meeting"] == ("yes", "opens 08:30, 30 minutes before the start")


def test_a_course_canvas_does_not_know_fails_the_run_naming_it_with_the_checklist_published(
    canvas: str,
) -> None:
    details = COMPLETE.model_copy(update={"course_id": "9999"})
    state = distance_exam(DistanceChecklist(occasion_uid=EXAM, distance=details), return_state=True)
    assert state.is_failed()
    with pytest.raises(RuntimeError) as failed:
        state.result()
    assert str(failed.value) == (
        f"occasion {EXAM}: the announcement in course 9999 was not posted: "
        "canvas: 404: The specified resource does not exist."
    )
    done, detail = checklist()["Announcement to the students in the learning platform"]
    assert (done, detail) == (
        "NO",
        "not posted: canvas: 404: The specified resource does not exist. (course 9999)",
    )
    assert announcements(canvas, COURSE) != [] and announced_events() == 1  # nothing more posted


def test_an_exam_not_planned_is_refused_saying_so(canvas: str) -> None:
    with pytest.raises(UnknownOccasion, match="occasion no-such-exam is not planned in examflow"):
        distance_exam(DistanceChecklist(occasion_uid="no-such-exam", distance=COMPLETE))


def test_plan_exam_with_distance_details_runs_the_checklist_once_the_test_is_made(
    prefect_harness: None, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'examflow.db'}")
    upgrade(engine)
    with transaction(engine) as session:
        seed_staff(session)
    with ExitStack() as stack:
        urls = {s.name: stack.enter_context(serve_in_thread(stand_in(s, tmp_path))) for s in SYSTEMS}
        stack.enter_context(
            examflow_environment(
                {
                    "EXAMFLOW_HOME": str(tmp_path),
                    "EXAMFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'examflow.db'}",
                    **{s.url_env: f"{urls[s.name]}{s.url_path}" for s in SYSTEMS},
                }
            )
        )
        term = httpx.post(
            f"{urls[LADOK.name]}/_sim/term",
            json={"seed": 11, "course_rounds": 1, "occasions": 1, "students": 5},
            timeout=30,
        )
        term.raise_for_status()
        (uid,) = term.json()["occasions"]
        times = World(tmp_path, urls).times_on_its_day(uid)
        httpx.put(f"{urls[CANVAS.name]}/_sim/courses/{COURSE}").raise_for_status()
        with approving(tmp_path / "outbox", "staff-coordinator-1") as person:
            result = plan_exam(PlanExam(occasion_uid=uid, times=times, distance=COMPLETE))
        assert person.errors == []
        assert result.startswith(f"planned {uid} as platform test ")
        (posted,) = announcements(urls[CANVAS.name])
        assert "https://kth-se.zoom.us/j/64012345678" in posted["message"]
        items = checklist(f"distance-checklist-{uid}")
        assert {done for done, _ in items.values()} == {"yes"}
        assert items["Test on the exam platform"][1] == f"test {result.rsplit(' ', 1)[1]}"
    engine.dispose()
