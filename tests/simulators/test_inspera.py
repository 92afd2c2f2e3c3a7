"""The Inspera stand-in over real HTTP: auth, tests, options, candidates, committees, status, export,
restart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.exam_play import TRUE_SHARE, Grader, Sitter, graded_line, grader_score, play_exam
from simulators.inspera import create_app
from simulators.server import serve_in_thread

KEY = "test-key"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)
END = START + timedelta(hours=4)


class Clock:
    """The stand-in's clock, moved by the test instead of waiting."""

    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = moment.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock(START - timedelta(days=1))


@pytest.fixture
def base(tmp_path: Path, clock: Clock) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)) as url:
        yield url


def _token(base: str, key: str = KEY) -> httpx.Response:
    return httpx.post(
        f"{base}/api/authenticate/token/",
        params={"grant_type": "authorization_code", "client_id": "uni"},
        headers={"code": key},
    )


@pytest.fixture
def api(base: str) -> Iterator[httpx.Client]:
    token = _token(base).json()["access_token"]
    with httpx.Client(base_url=f"{base}/api/v1/", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def _test_body(external_id: str = "EXAM-1", title: str = "Algebra", end: datetime = END) -> dict[str, Any]:
    return {
        "externalTestId": external_id,
        "title": title,
        "startTime": START.isoformat(),
        "endTime": end.isoformat(),
        "duration": 240,
    }


def _new_test(api: httpx.Client, **kwargs: Any) -> int:
    return api.post("test", params={"isExternal": "true"}, json=_test_body(**kwargs)).json()[
        "assessmentRunId"
    ]


def _candidates(n: int, start: int = 0, extra: int = 0) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "externalUserIds": [{"authType": "FEIDE", "externalUserId": f"student-{i}"}],
                "candidateCode": f"EX-{i:04d}-ABC",
                "extraTimeMins": extra,
            }
            for i in range(start, start + n)
        ]
    }


def test_token_needs_the_right_key(base: str) -> None:
    good = _token(base)
    assert good.status_code == 200
    assert good.json()["expires_in"] == 3600
    wrong = _token(base, "not-the-key")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_grant"


def test_api_refuses_missing_unknown_and_expired_tokens(base: str, api: httpx.Client, clock: Clock) -> None:
    assert httpx.get(f"{base}/api/v1/test/search", params={"externalTestID": "x"}).status_code == 401
    unknown = httpx.get(
        f"{base}/api/v1/test/search", params={"externalTestID": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert unknown.status_code == 401
    assert api.get("test/search", params={"externalTestID": "x"}).status_code == 200
    clock.now += 3601
    expired = api.get("test/search", params={"externalTestID": "x"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["error_description"]


def test_upsert_is_keyed_on_external_id_and_searchable(api: httpx.Client) -> None:
    first = api.post("test", params={"isExternal": "true"}, json=_test_body()).json()
    second = api.post("test", params={"isExternal": "true"}, json=_test_body(title="Algebra II")).json()
    assert first["status"] == "created" and second["status"] == "updated"
    assert first["assessmentRunId"] == second["assessmentRunId"]
    found = api.get("test/search", params={"externalTestID": "EXAM-1"}).json()
    assert found["hits"] == 1
    assert found["results"][0]["assessmentRunTitle"] == "Algebra II"
    assert found["results"][0]["status"] == "SCHEDULED"
    assert api.get("test/search", params={"externalTestID": "EXAM-2"}).json()["hits"] == 0
    assert api.get(f"test/{first['assessmentRunId']}").json()["externalId"] == "EXAM-1"
    assert api.get("test/999").status_code == 404


def test_replayed_idempotency_key_answers_the_first_result(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = api.post("test", params={"isExternal": "true"}, json=_test_body(), headers=headers).json()
    again = api.post("test", params={"isExternal": "true"}, json=_test_body(title="Other"), headers=headers)
    assert again.json() == first
    assert api.get(f"test/{first['assessmentRunId']}").json()["assessmentRunTitle"] == "Algebra"


def test_bad_test_is_refused_and_nothing_is_written(api: httpx.Client) -> None:
    bad = api.post("test", params={"isExternal": "true"}, json=_test_body(end=START - timedelta(hours=1)))
    assert bad.status_code == 400
    assert "endTime" in bad.json()["errors"][0]["message"]
    missing = api.post("test", params={"isExternal": "true"}, json={"title": "x"})
    assert missing.status_code == 400
    assert "externalTestId" in str(missing.json()["errors"])
    assert api.get("test/search", params={"externalTestID": "EXAM-1"}).json()["hits"] == 0


def _options(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return {"testOptions": {"securityOptions": [{"option": o, "value": v} for o, v in pairs]}}


def test_options_are_validated_and_frozen_after_activation(base: str, api: httpx.Client) -> None:
    test_id = _new_test(api)
    for pin in ("abc12", "åäö123", "abc 123"):
        bad = api.post(f"test/{test_id}/options", json=_options(("SEB_SETTINGS_PINCODE", pin)))
        assert bad.status_code == 400
        assert "SEB_SETTINGS_PINCODE" in bad.json()["errors"][0]["message"]
    bad_bool = api.post(f"test/{test_id}/options", json=_options(("LOCKDOWN_BROWSER", "yes")))
    assert bad_bool.status_code == 400 and "LOCKDOWN_BROWSER" in bad_bool.text
    assert httpx.get(f"{base}/_sim/test/{test_id}").json()["securityOptions"] == {}
    good = _options(
        ("LOCKDOWN_BROWSER", True), ("SEB_SETTINGS_PINCODE", "abc123"), ("LOCKDOWN_QUIT_CODE", "q")
    )
    assert api.post(f"test/{test_id}/options", json=good).json() == {"success": True}
    assert (
        httpx.get(f"{base}/_sim/test/{test_id}").json()["securityOptions"]["SEB_SETTINGS_PINCODE"] == "abc123"
    )
    assert api.post(f"test/{test_id}/status", json={"status": "ACTIVE"}).status_code == 200
    frozen = api.post(f"test/{test_id}/options", json=_options(("SEB_SETTINGS_PINCODE", "zzz999")))
    assert frozen.status_code == 409
    assert "frozen" in frozen.json()["errors"][0]["message"]
    assert (
        httpx.get(f"{base}/_sim/test/{test_id}").json()["securityOptions"]["SEB_SETTINGS_PINCODE"] == "abc123"
    )


def test_candidates_add_update_remove_keep_ids(api: httpx.Client) -> None:
    test_id = _new_test(api)
    assert api.post(f"test/{test_id}/candidates", json=_candidates(3)).json()["added"] == 3
    before = {c["externalUserId"]: c for c in api.get(f"test/{test_id}/candidates").json()}
    assert before["student-1"]["candidateCode"] == "EX-0001-ABC"
    update = api.post(f"test/{test_id}/candidates", json=_candidates(1, start=1, extra=60)).json()
    assert update["updated"] == 1 and update["added"] == 0
    removed = api.post(f"test/{test_id}/candidates/remove", json={"externalUserIds": ["student-0"]}).json()
    assert removed["removed"] == 1
    after = {c["externalUserId"]: c for c in api.get(f"test/{test_id}/candidates").json()}
    assert set(after) == {"student-1", "student-2"}
    assert after["student-1"]["extraTimeMins"] == 60
    assert after["student-1"]["candidateId"] == before["student-1"]["candidateId"]
    api.post(f"test/{test_id}/candidates", json=_candidates(1, start=0))
    back = {c["externalUserId"]: c for c in api.get(f"test/{test_id}/candidates").json()}
    assert back["student-0"]["candidateId"] == before["student-0"]["candidateId"]
    assert back["student-0"]["userId"] == before["student-0"]["userId"]


def test_more_than_1500_candidates_in_one_request_is_refused(api: httpx.Client) -> None:
    test_id = _new_test(api)
    refused = api.post(f"test/{test_id}/candidates", json=_candidates(1501))
    assert refused.status_code == 400
    assert "1500" in refused.json()["errors"][0]["message"]
    assert api.get(f"test/{test_id}/candidates").json() == []
    assert api.post(f"test/{test_id}/candidates", json=_candidates(1500)).json()["added"] == 1500


def _status(api: httpx.Client, test_id: int, status: str, **extra: Any) -> httpx.Response:
    return api.post(f"test/{test_id}/status", json={"status": status, **extra})


def _move(clock: Clock, moment: datetime, base: str, api: httpx.Client) -> None:
    """Moves the stand-in's clock and fetches a fresh token (the old one may have expired)."""
    clock.move_to(moment)
    api.headers["Authorization"] = f"Bearer {_token(base).json()['access_token']}"


def test_status_transitions_and_deadline_rules(base: str, api: httpx.Client, clock: Clock) -> None:
    test_id = _new_test(api)
    skip = _status(api, test_id, "GRADING_IN_PROGRESS")
    assert skip.status_code == 409
    assert "SCHEDULED" in skip.text and "GRADING_IN_PROGRESS" in skip.text
    assert _status(api, test_id, "BOGUS").status_code == 400
    assert _status(api, test_id, "ACTIVE").json()["status"] == "ACTIVE"
    assert _status(api, test_id, "ACTIVE").json()["status"] == "ACTIVE"  # a replay is a no-op
    _move(clock, START + timedelta(hours=1), base, api)
    early = _status(api, test_id, "FINISHED")
    assert early.status_code == 409 and "deadline" in early.text
    assert _status(api, test_id, "FINISHED", force=True).json()["status"] == "FINISHED"
    too_soon = _status(api, test_id, "GRADING_IN_PROGRESS")
    assert too_soon.status_code == 409
    assert "only after the deadline" in too_soon.json()["errors"][0]["message"]
    assert api.get(f"test/{test_id}").json()["status"] == "FINISHED"
    _move(clock, END + timedelta(minutes=1), base, api)
    assert _status(api, test_id, "GRADING_IN_PROGRESS").json()["status"] == "GRADING_IN_PROGRESS"
    back = _status(api, test_id, "ACTIVE")
    assert back.status_code == 409 and "GRADING_IN_PROGRESS" in back.text
    assert _status(api, test_id, "GRADED").json()["status"] == "GRADED"
    assert _status(api, test_id, "GRADED").json()["status"] == "GRADED"
    reopened = _status(api, test_id, "GRADING_IN_PROGRESS")
    assert reopened.status_code == 409 and "from GRADED" in reopened.text


def _export(base: str, api: httpx.Client, test_id: int) -> dict[str, Any]:
    job = api.post(
        "fileExport/order",
        json={"resourceType": "AllResults", "parameters": {"assessmentRunId": str(test_id)}},
    )
    job_id = job.json()["jobId"]
    first = api.get(f"fileExport/status/{job_id}").json()
    assert first["status"] == "running"
    done = api.get(f"fileExport/status/{job_id}").json()
    assert done["status"] == "success" and done["progress"] == 100
    url = done["exportInfo"]["signedResponseUrl"]
    assert httpx.get(url.replace("signature=", "signature=0")).status_code == 403
    return httpx.get(url).json()


def test_export_after_play(base: str, api: httpx.Client) -> None:
    test_id = _new_test(api)
    api.post(f"test/{test_id}/candidates", json=_candidates(200, extra=30))
    counts = httpx.post(
        f"{base}/_sim/test/{test_id}/play", json={"seed": 7, "absent_rate": 0.2, "questions": 9}
    ).json()
    assert counts["candidates"] == 200 and counts["questions"] == 9
    assert 15 < counts["absent"] < 70
    lines = [c["result"] for c in _export(base, api, test_id)["ext_inspera_candidates"]]
    assert len(lines) == 200
    present = [r for r in lines if r["ext_inspera_attendance"]]
    absent = [r for r in lines if not r["ext_inspera_attendance"]]
    assert len(absent) == counts["absent"] and len(present) == counts["present"]
    for line in absent:  # every question listed, its values null
        assert [q["ext_inspera_questionNumber"] for q in line["ext_inspera_questions"]] == list(range(1, 10))
        assert line["ext_inspera_totalScore"] is None
        assert all(
            q["ext_inspera_autoScore"]
            is q["ext_inspera_manualScores"]
            is q["ext_inspera_candidateResponses"]
            is None
            for q in line["ext_inspera_questions"]
        )
    for line in present:
        questions = line["ext_inspera_questions"]
        assert len(questions) == 9
        assert (
            0 <= line["ext_inspera_totalScore"] <= sum(q["ext_inspera_maxQuestionScore"] for q in questions)
        )
        assert line["ext_inspera_extraTimeMins"] >= 30
        for q in questions:
            assert q["ext_inspera_manualScores"] is None  # no committee: essays are not graded
            assert TRUE_SHARE not in q and isinstance(q["ext_inspera_questionId"], int)
            auto = q["ext_inspera_autoScore"]
            assert auto is None or 0 <= auto <= q["ext_inspera_maxQuestionScore"]
        assert any(q["ext_inspera_autoScore"] is None for q in questions)
        assert line["ext_inspera_totalScore"] == sum(q["ext_inspera_autoScore"] or 0 for q in questions)
        assert "ext_inspera_candidateExternalIds" not in line  # the export carries no register ids


def test_export_order_is_validated(api: httpx.Client) -> None:
    wrong = api.post(
        "fileExport/order", json={"resourceType": "Events", "parameters": {"assessmentRunId": "1"}}
    )
    assert wrong.status_code == 400 and "AllResults" in wrong.text
    missing = api.post(
        "fileExport/order", json={"resourceType": "AllResults", "parameters": {"assessmentRunId": "42"}}
    )
    assert missing.status_code == 404
    assert api.get("fileExport/status/nope").status_code == 404


def test_state_and_tokens_survive_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "inspera.db"
    with serve_in_thread(create_app(path, api_key=KEY, clock=clock)) as base:
        token = _token(base).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        test_id = httpx.post(
            f"{base}/api/v1/test", params={"isExternal": "true"}, json=_test_body(), headers=auth
        ).json()["assessmentRunId"]
        httpx.post(f"{base}/api/v1/test/{test_id}/candidates", json=_candidates(5), headers=auth)
    with serve_in_thread(create_app(path, api_key=KEY, clock=clock)) as base:
        listed = httpx.get(f"{base}/api/v1/test/{test_id}/candidates", headers=auth)
        assert listed.status_code == 200
        assert len(listed.json()) == 5
        assert (
            httpx.get(f"{base}/api/v1/test/{test_id}", headers=auth).json()["assessmentRunTitle"] == "Algebra"
        )


def test_autoplay_plays_the_test_when_activated(tmp_path: Path, clock: Clock) -> None:
    with serve_in_thread(create_app(tmp_path / "i.db", api_key=KEY, autoplay=True, clock=clock)) as base:
        token = _token(base).json()["access_token"]
        with httpx.Client(base_url=f"{base}/api/v1/", headers={"Authorization": f"Bearer {token}"}) as api:
            test_id = _new_test(api)
            api.post(f"test/{test_id}/candidates", json=_candidates(40))
            assert httpx.get(f"{base}/_sim/test/{test_id}").json()["results"] == []
            _status(api, test_id, "ACTIVE")
            results = httpx.get(f"{base}/_sim/test/{test_id}").json()["results"]
    assert len(results) == 40
    assert any(r["ext_inspera_attendance"] for r in results)


def _sitters(n: int) -> list[Sitter]:
    return [Sitter(i, ({"authType": "FEIDE", "externalUserId": f"s{i}"},), 0) for i in range(n)]


def test_play_is_seeded_and_spreads_grades() -> None:
    one = play_exam(_sitters(500), starts_at=START, duration_minutes=240, seed=3)
    two = play_exam(_sitters(500), starts_at=START, duration_minutes=240, seed=3)
    other = play_exam(_sitters(500), starts_at=START, duration_minutes=240, seed=4)
    assert one == two
    assert one.results != other.results
    graded = [graded_line(r, [Grader("g1", "Ada Berg"), Grader("g2", "Bo Ek")]) for r in one.results]
    grades = Counter(r["ext_inspera_finalGrade"] for r in graded if r["ext_inspera_attendance"])
    assert set(grades) == set("ABCDEF")
    essays = [q for q in one.questions if q.essay]
    assert essays and all(5 <= q.max_score <= 10 for q in essays)
    assert all(1 <= q.max_score <= 2 for q in one.questions if not q.essay)
    ends = [r["ext_inspera_endTime"] for r in one.results if r["ext_inspera_attendance"]]
    assert all(e <= (END + timedelta(minutes=20)).isoformat().replace("+00:00", "Z") for e in ends)


def test_play_of_2000_candidates_and_60_questions() -> None:
    played = play_exam(_sitters(2000), starts_at=START, duration_minutes=240, seed=1, question_count=60)
    assert len(played.results) == 2000 and len(played.questions) == 60


def test_grader_score_is_near_the_true_score_clipped_and_deterministic() -> None:
    scores = [
        grader_score(true, 6.0, grader=g, candidate="s1", question="q1")
        for true in (0.0, 0.2, 2.74, 5.9, 6.0)
        for g in ("g1", "g2", "g3", "g4", "g5")
    ]
    assert all(0 <= s <= 6.0 and s * 2 == int(s * 2) for s in scores)
    assert grader_score(2.74, 6.0, grader="g1", candidate="s1", question="q1") in (2.0, 2.5, 3.0)
    assert len({grader_score(3.0, 6.0, grader=f"g{i}", candidate="s", question="q") for i in range(30)}) == 3
    assert scores == [
        grader_score(true, 6.0, grader=g, candidate="s1", question="q1")
        for true in (0.0, 0.2, 2.74, 5.9, 6.0)
        for g in ("g1", "g2", "g3", "g4", "g5")
    ]


def test_graded_line_follows_the_mean_of_the_graders() -> None:
    played = play_exam(_sitters(30), starts_at=START, duration_minutes=240, seed=5, absent_rate=0)
    line = played.results[0]
    essays = [q for q in line["ext_inspera_questions"] if TRUE_SHARE in q]
    assert essays and all(q["ext_inspera_manualScores"] is None for q in essays)
    graded = graded_line(line, [Grader("g1", "Ada Berg"), Grader("g2", "Bo Ek")])
    mean = 0.0
    for q in graded["ext_inspera_questions"]:
        assert TRUE_SHARE not in q
        manual = [m["ext_inspera_manualScore"] for m in q["ext_inspera_manualScores"] or ()]
        if q["ext_inspera_autoScore"] is None:
            names = [m["ext_inspera_gradingTeacherName"] for m in q["ext_inspera_manualScores"]]
            assert names == ["Ada Berg", "Bo Ek"]
        mean += sum(manual) / len(manual) if manual else q["ext_inspera_autoScore"]
    assert graded["ext_inspera_totalScore"] == round(mean, 2)
    assert TRUE_SHARE in line["ext_inspera_questions"][essays[0]["ext_inspera_questionNumber"] - 1]


def _committees(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"committees": [{"name": n, "type": t} for n, t in pairs]}


def _contributors(*people: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "authenticationSystem": "FEIDE",
        "contributors": [
            {
                "externalId": ext,
                "firstName": "Anna",
                "lastName": ext,
                "email": f"{ext}@uni.example",
                "roles": ["evaluate"],
                "committeesName": names,
            }
            for ext, names in people
        ],
    }


def _move_to(api: httpx.Client, test_id: int, name: str, ids: list[str]) -> httpx.Response:
    return api.post(
        f"test/{test_id}/committees/candidates/move", json={"committeeName": name, "externalUserIds": ids}
    )


def _with_committees(api: httpx.Client, test_id: int) -> list[httpx.Response]:
    """Two committees: A (g1, g2) holds student-0..2, B (g2, g3) holds student-3; student-4.. in none."""
    return [
        api.post(f"test/{test_id}/committees", json=_committees(("A", "GRADING"), ("B", "GRADING"))),
        api.post(
            f"test/{test_id}/contributors",
            json=_contributors(("g1", ["A"]), ("g2", ["A", "B"]), ("g3", ["B"])),
        ),
        _move_to(api, test_id, "A", ["student-0", "student-1", "student-2"]),
        _move_to(api, test_id, "B", ["student-3"]),
    ]


def _dump(base: str, test_id: int) -> dict[str, Any]:
    return httpx.get(f"{base}/_sim/test/{test_id}").json()


def test_committees_are_set_and_the_same_calls_twice_change_nothing(base: str, api: httpx.Client) -> None:
    test_id = _new_test(api)
    api.post(f"test/{test_id}/candidates", json=_candidates(6))
    first = [r.json() for r in _with_committees(api, test_id)]
    assert first[0] == {"success": True, "created": 2}
    assert first[1] == {"success": True, "added": 3, "updated": 0}
    assert first[2] == {"success": True, "moved": 3}
    state = _dump(base, test_id)["committees"]
    assert state == [
        {
            "name": "A",
            "type": "GRADING",
            "graders": ["g1", "g2"],
            "candidates": ["student-0", "student-1", "student-2"],
        },
        {"name": "B", "type": "GRADING", "graders": ["g2", "g3"], "candidates": ["student-3"]},
    ]
    again = [r.json() for r in _with_committees(api, test_id)]
    assert again[0]["created"] == 0 and again[1]["updated"] == 3
    assert _dump(base, test_id)["committees"] == state
    _move_to(api, test_id, "B", ["student-0"])  # a move takes the candidate out of A
    moved = {c["name"]: c["candidates"] for c in _dump(base, test_id)["committees"]}
    assert moved == {"A": ["student-1", "student-2"], "B": ["student-0", "student-3"]}


def test_bad_committee_calls_are_refused_naming_the_culprit_and_change_nothing(
    base: str, api: httpx.Client
) -> None:
    test_id = _new_test(api)
    api.post(f"test/{test_id}/candidates", json=_candidates(2))
    long = api.post(f"test/{test_id}/committees", json=_committees(("A", "GRADING"), ("x" * 51, "GRADING")))
    assert long.status_code == 422 and "51 characters" in long.json()["errors"][0]["message"]
    bad_type = api.post(f"test/{test_id}/committees", json=_committees(("A", "MARKING")))
    assert bad_type.status_code == 400 and "MARKING" in bad_type.text
    assert _dump(base, test_id)["committees"] == []
    assert api.post(f"test/{test_id}/committees", json=_committees(("A", "GRADING"))).status_code == 200
    retype = api.post(f"test/{test_id}/committees", json=_committees(("A", "REASSESSMENT")))
    assert retype.status_code == 409 and "GRADING" in retype.text
    no_committee = api.post(f"test/{test_id}/contributors", json=_contributors(("g1", ["A", "Z"])))
    assert no_committee.status_code == 400 and "'Z'" in no_committee.text and "g1" in no_committee.text
    role = _contributors(("g1", ["A"]))
    role["contributors"][0]["roles"] = ["evaluate", "plan"]
    assert "plan" in api.post(f"test/{test_id}/contributors", json=role).text
    unknown = _move_to(api, test_id, "A", ["student-0", "student-9"])
    assert unknown.status_code == 400
    assert "student-9" in unknown.json()["errors"][0]["message"]
    assert "student-0" not in unknown.json()["errors"][0]["message"]
    missing = _move_to(api, test_id, "Q", ["student-0"])
    assert missing.status_code == 400 and "'Q'" in missing.text
    assert _dump(base, test_id)["committees"] == [
        {"name": "A", "type": "GRADING", "graders": [], "candidates": []}
    ]
    api.post(f"test/{test_id}/candidates/remove", json={"externalUserIds": ["student-1"]})
    assert "student-1" in _move_to(api, test_id, "A", ["student-1"]).text


def test_export_carries_each_committee_graders_scores(base: str, api: httpx.Client) -> None:
    test_id = _new_test(api)
    api.post(f"test/{test_id}/candidates", json=_candidates(8))
    httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 2, "absent_rate": 0, "questions": 6})
    assert all(r.status_code == 200 for r in _with_committees(api, test_id))
    exported = _export(base, api, test_id)
    students = {c["candidateId"]: c["externalUserId"] for c in api.get(f"test/{test_id}/candidates").json()}
    lines = {
        students[c["result"]["ext_inspera_candidateId"]]: c["result"]
        for c in exported["ext_inspera_candidates"]
    }
    expected = {"student-0": ["Anna g1", "Anna g2"], "student-3": ["Anna g2", "Anna g3"], "student-5": []}
    for student, graders in expected.items():
        line = lines[student]
        essays = [q for q in line["ext_inspera_questions"] if q["ext_inspera_autoScore"] is None]
        assert len(essays) == 2
        total = 0.0
        for q in line["ext_inspera_questions"]:
            manual = q["ext_inspera_manualScores"] or []
            assert [m["ext_inspera_gradingTeacherName"] for m in manual] == (graders if q in essays else [])
            assert all(0 <= m["ext_inspera_manualScore"] <= q["ext_inspera_maxQuestionScore"] for m in manual)
            scores = [m["ext_inspera_manualScore"] for m in manual]
            total += sum(scores) / len(scores) if scores else q["ext_inspera_autoScore"] or 0.0
        assert line["ext_inspera_totalScore"] == round(total, 2)
    assert _export(base, api, test_id) == exported  # the same state, the same export


def test_same_seed_same_export_across_tests(base: str, api: httpx.Client) -> None:
    exports = []
    for external_id in ("EXAM-1", "EXAM-2"):
        test_id = _new_test(api, external_id=external_id)
        api.post(f"test/{test_id}/candidates", json=_candidates(10))
        httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 9, "absent_rate": 0.1})
        _with_committees(api, test_id)
        lines = [c["result"] for c in _export(base, api, test_id)["ext_inspera_candidates"]]
        exports.append([{k: v for k, v in r.items() if k != "ext_inspera_candidateId"} for r in lines])
    assert exports[0] == exports[1]
    assert any(q["ext_inspera_manualScores"] for r in exports[0] for q in r["ext_inspera_questions"])
