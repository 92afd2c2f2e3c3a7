"""InsperaClient against the Inspera stand-in over real HTTP; only time and faults are faked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.inspera import InsperaClient
from models.domain import PlatformCandidate, PlatformCommittee, PlatformGrader
from models.security import ExamSecurity
from rules.reconciliation import match_candidates
from simulators.inspera import create_app
from simulators.server import serve_in_thread

KEY = "client-test-key"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)
END = START + timedelta(hours=4)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """A fake sleep that records what the client asked for."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(START - timedelta(hours=1))


@pytest.fixture
def base(tmp_path: Path, clock: Clock) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)) as url:
        yield url


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(base: str, sleeps: Sleeps) -> Iterator[InsperaClient]:
    retry = RetryPolicy(attempts=4, sleep=sleeps)
    with InsperaClient(f"{base}/api/", api_key=KEY, tenant="uni", retry=retry) as c:
        yield c


def _upsert(client: InsperaClient, title: str = "Algebra") -> str:
    test = client.upsert_test(
        external_test_id="EXAM-1", title=title, starts_at=START, ends_at=END, duration_minutes=240
    )
    return test.test_id


def _people(n: int, extra: int = 0) -> list[PlatformCandidate]:
    return [
        PlatformCandidate(
            external_user_id=f"uid-{i}", candidate_code=f"EX-{i:04d}-ABC", extra_time_minutes=extra
        )
        for i in range(n)
    ]


def test_upsert_find_and_get(client: InsperaClient) -> None:
    created = client.upsert_test(
        external_test_id="EXAM-1", title="Algebra", starts_at=START, ends_at=END, duration_minutes=240
    )
    again = client.upsert_test(
        external_test_id="EXAM-1", title="Algebra II", starts_at=START, ends_at=END, duration_minutes=240
    )
    assert again.test_id == created.test_id
    assert again.title == "Algebra II" and again.status == "SCHEDULED"
    assert again.starts_at == START and again.ends_at == END
    found = client.find_test("EXAM-1")
    assert found is not None and found.test_id == created.test_id
    assert client.find_test("EXAM-404") is None
    assert client.get_test(created.test_id).external_id == "EXAM-1"


def _security(start: str | None, quit_: str | None = "Q7K2M9P", lockdown: bool = True) -> ExamSecurity:
    return ExamSecurity.model_validate(
        {"lockdown_browser": lockdown, "start_password": start, "quit_password": quit_}
    )


def test_security_options_errors_name_the_option(client: InsperaClient, base: str) -> None:
    test_id = _upsert(client)
    with pytest.raises(ApiError) as refused:
        client.set_security_options(test_id, _security("12345"))
    assert refused.value.status == 400 and "SEB_SETTINGS_PINCODE" in str(refused.value)
    client.set_security_options(test_id, _security("exam2030"))
    stored = httpx.get(f"{base}/_sim/test/{test_id}").json()["securityOptions"]
    assert stored == {
        "LOCKDOWN_BROWSER": True,
        "SEB_SETTINGS_PINCODE": "exam2030",
        "LOCKDOWN_QUIT_CODE": "Q7K2M9P",
    }
    client.set_status(test_id, "ACTIVE")
    with pytest.raises(ApiError) as frozen:
        client.set_security_options(test_id, _security("other123", lockdown=False))
    assert frozen.value.status == 409 and "frozen" in str(frozen.value)


def test_add_candidates_in_chunks_update_and_remove(client: InsperaClient) -> None:
    test_id = _upsert(client)
    client.add_candidates(test_id, iter(_people(3200)))
    listed = {c.external_user_id: c for c in client.list_candidates(test_id)}
    assert len(listed) == 3200
    assert listed["uid-7"].candidate_code == "EX-0007-ABC"
    client.add_candidates(
        test_id,
        [PlatformCandidate(external_user_id="uid-7", candidate_code="EX-0007-ABC", extra_time_minutes=60)],
    )
    client.remove_candidates(test_id, ["uid-0", "uid-1", "unknown"])
    after = {c.external_user_id: c for c in client.list_candidates(test_id)}
    assert len(after) == 3198 and "uid-0" not in after
    assert after["uid-7"].extra_time_minutes == 60


def test_status_and_open_for_assessment_only_after_deadline(client: InsperaClient, clock: Clock) -> None:
    test_id = _upsert(client)
    with pytest.raises(ApiError) as illegal:
        client.set_status(test_id, "FINISHED")
    assert illegal.value.status == 409 and "SCHEDULED" in str(illegal.value)
    assert client.set_status(test_id, "ACTIVE").status == "ACTIVE"
    with pytest.raises(ApiError) as early:
        client.set_status(test_id, "FINISHED")
    assert early.value.status == 409 and "deadline" in str(early.value)
    clock.now = (END + timedelta(minutes=5)).timestamp()  # the token expires too: the client refreshes
    assert client.set_status(test_id, "FINISHED").status == "FINISHED"
    assert client.set_status(test_id, "GRADING_IN_PROGRESS").status == "GRADING_IN_PROGRESS"
    assert client.get_test(test_id).status == "GRADING_IN_PROGRESS"


def _grader(n: int) -> PlatformGrader:
    return PlatformGrader(staff_id=f"staff-{n}", name=f"Grader Number {n}", email=f"g{n}@uni.example")


def _committee(name: str, graders: tuple[int, ...], students: range) -> PlatformCommittee:
    return PlatformCommittee(
        name=name,
        graders=tuple(_grader(n) for n in graders),
        external_user_ids=tuple(f"uid-{i}" for i in students),
    )


def test_export_results_after_play(client: InsperaClient, base: str, sleeps: Sleeps) -> None:
    test_id = _upsert(client)
    client.add_candidates(test_id, _people(120, extra=15))
    counts = httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 11, "absent_rate": 0.25}).json()
    client.set_committees(
        test_id, [_committee("C1", (1, 2), range(60)), _committee("C2", (3, 2), range(60, 120))]
    )
    export = match_candidates(client.export_results(test_id), client.list_candidates(test_id))
    results = export.candidates
    assert sleeps.calls == [0.2]  # polled once while running, then success
    assert len(results) == 120
    assert {r.external_user_id for r in results} == {f"uid-{i}" for i in range(120)}
    absent = [r for r in results if not r.attended]
    assert len(absent) == counts["absent"] > 0
    assert all(r.total_score is None and r.questions == () and r.started_at is None for r in absent)
    for result in (r for r in results if r.attended):
        assert len(result.questions) == 12 and result.extra_time_minutes >= 15
        max_total = sum(q.max_score * q.weight for q in result.questions)
        assert export.max_total_score == max_total
        assert result.total_score is not None and 0 <= result.total_score <= max_total
        assert result.started_at is not None and result.ended_at is not None
        assert result.started_at < result.ended_at
        for q in result.questions:
            scores = [m.score for m in q.manual_scores] if q.auto_score is None else [q.auto_score]
            assert len(scores) == (2 if q.auto_score is None else 1)
            assert all(0 <= score <= q.max_score for score in scores)
            assert q.responses or q.auto_score in (0.0, None)  # a blank answer has no response


def test_wrong_api_key_is_refused(base: str) -> None:
    with InsperaClient(f"{base}/api/", api_key="wrong", tenant="uni") as bad:
        with pytest.raises(ApiError) as refused:
            bad.find_test("EXAM-1")
    assert refused.value.status == 401 and "invalid_grant" in str(refused.value)


def test_expired_token_is_refreshed_on_401(client: InsperaClient, clock: Clock) -> None:
    test_id = _upsert(client)
    clock.now += 2 * 3600
    assert client.get_test(test_id).title == "Algebra"


def _faults(base: str, **settings: float) -> None:
    httpx.put(f"{base}/_sim/faults", json={"seed": 1, **settings}).raise_for_status()


def test_retries_503_and_429_then_succeeds(client: InsperaClient, base: str, sleeps: Sleeps) -> None:
    test_id = _upsert(client)
    _faults(base, error_rate=0.3, throttle_rate=0.3, retry_after_seconds=2)
    for _ in range(5):
        assert client.get_test(test_id).test_id == test_id
    injected = httpx.get(f"{base}/_sim/faults").json()["injected"]
    assert injected["throttle"] > 0 and injected["error"] > 0
    assert len(sleeps.calls) == sum(injected.values())
    assert sleeps.calls.count(2.0) == injected["throttle"]  # Retry-After honoured


def test_gives_up_with_unavailable(client: InsperaClient, base: str, sleeps: Sleeps) -> None:
    _faults(base, error_rate=1.0)
    with pytest.raises(Unavailable):
        client.find_test("EXAM-1")
    assert len(sleeps.calls) == 3  # four attempts, three waits


def _state(base: str, test_id: str) -> list[dict[str, object]]:
    return httpx.get(f"{base}/_sim/test/{test_id}").json()["committees"]


def test_set_committees_creates_graders_and_moves_candidates_idempotently(
    client: InsperaClient, base: str
) -> None:
    test_id = _upsert(client)
    client.add_candidates(test_id, _people(10))
    committees = [
        _committee("Committee 1", (1, 2), range(0, 4)),
        _committee("Committee 2", (2, 3), range(4, 7)),
    ]
    client.set_committees(test_id, committees)
    state = _state(base, test_id)
    assert state == [
        {
            "name": "Committee 1",
            "type": "GRADING",
            "graders": ["staff-1", "staff-2"],
            "candidates": ["uid-0", "uid-1", "uid-2", "uid-3"],
        },
        {
            "name": "Committee 2",
            "type": "GRADING",
            "graders": ["staff-2", "staff-3"],
            "candidates": ["uid-4", "uid-5", "uid-6"],
        },
    ]
    client.set_committees(test_id, committees)
    assert _state(base, test_id) == state
    client.set_committees(test_id, [])  # nothing to set: nothing sent, nothing changed
    assert _state(base, test_id) == state


def test_set_committees_refuses_an_unknown_candidate_by_name(client: InsperaClient, base: str) -> None:
    test_id = _upsert(client)
    client.add_candidates(test_id, _people(3))
    with pytest.raises(ApiError) as refused:
        client.set_committees(test_id, [_committee("C", (1,), range(2, 5))])
    assert refused.value.status == 400
    assert "uid-3" in str(refused.value) and "uid-4" in str(refused.value)
    assert "uid-2" not in str(refused.value)
    assert all(c["candidates"] == [] for c in _state(base, test_id))


def test_export_carries_the_committee_graders_scores_and_none_outside(
    client: InsperaClient, base: str
) -> None:
    test_id = _upsert(client)
    client.add_candidates(test_id, _people(6))
    httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 4, "absent_rate": 0}).raise_for_status()
    client.set_committees(test_id, [_committee("C", (7, 8), range(3))])
    listed = client.list_candidates(test_id)
    results = {
        r.external_user_id: r for r in match_candidates(client.export_results(test_id), listed).candidates
    }
    for uid, graders in (("uid-0", ["Grader Number 7", "Grader Number 8"]), ("uid-4", [])):
        result = results[uid]
        essays = [q for q in result.questions if q.auto_score is None]
        assert len(essays) == 4
        assert all([m.grader_name for m in q.manual_scores] == graders for q in essays)
        points = sum(
            (
                sum(m.score for m in q.manual_scores) / len(q.manual_scores)
                if q.manual_scores
                else q.auto_score or 0
            )
            * q.weight
            for q in result.questions
        )
        assert result.total_score == round(points, 2)
    again = match_candidates(client.export_results(test_id), listed).candidates
    assert {r.external_user_id: r for r in again} == results
