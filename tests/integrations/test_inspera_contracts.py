"""The platform client against payloads in the platform's own shape (tests/contracts/inspera/), served
by the stand-in over real HTTP; and the stand-in's own answers checked against the same schemas."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.http import ApiError, RetryPolicy
from integrations.inspera import InsperaClient
from integrations.inspera_answers import (
    InsperaContractError,
    answer_id,
    export_url,
    parse_candidates,
    parse_search,
)
from models.domain import PlatformCandidate, PlatformCommittee, PlatformGrader
from models.results import CandidateResult, QuestionResult, ResultsExport
from simulators.inspera import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

KEY = "contract-test-key"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    clock = (START - timedelta(hours=1)).timestamp
    with serve_in_thread(create_app(tmp_path / "inspera.db", api_key=KEY, clock=clock)) as url:
        yield url


@pytest.fixture
def client(base: str) -> Iterator[InsperaClient]:
    retry = RetryPolicy(attempts=4, sleep=lambda _: None)
    with InsperaClient(f"{base}/api/", api_key=KEY, tenant="uni", retry=retry) as c:
        yield c


def _test(client: InsperaClient, external_id: str = "MA1201-2024-V-EX1") -> str:
    starts = START
    return client.upsert_test(
        external_test_id=external_id,
        title="Linear algebra",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        duration_minutes=240,
    ).test_id


def _served(client: InsperaClient, base: str, body: Any) -> ResultsExport:
    """The export the client reads over HTTP when the stand-in serves `body` as the test's file."""
    test_id = _test(client)
    httpx.put(f"{base}/_sim/test/{test_id}/export", content=json.dumps(body)).raise_for_status()
    return client.export_results(test_id)


def _question(result: CandidateResult, number: int) -> QuestionResult:
    return next(q for q in result.questions if q.number == number)


def test_a_normal_export_is_read_whole_and_unknown_fields_are_ignored(
    client: InsperaClient, base: str
) -> None:
    export = _served(client, base, payload("inspera", "results"))
    assert export.max_total_score == 20.0
    assert [r.candidate_id for r in export.candidates] == ["412001", "412002", "412003"]
    first = export.candidates[0]
    assert first.attended and first.total_score == 14.0 and first.external_user_id == ""
    assert first.sourced_id is None and first.started_at == datetime(2024, 5, 21, 9, 2, 11, tzinfo=UTC)
    essay = _question(first, 3)
    assert essay.question_id == "186470027" and essay.auto_score is None and essay.max_score == 10.0
    assert [(m.grader_name, m.score) for m in essay.manual_scores] == [("Eva Holm", 7.0), ("Greta Dahl", 8.0)]
    choice = _question(first, 1)
    assert choice.auto_score == 2.0 and choice.manual_scores == () and choice.responses == ("B",)
    assert export.candidates[1].extra_time_minutes == 30
    assert export.candidates[2].extra_time_minutes == 10  # incident time counts as extra time


def test_an_absent_candidate_with_every_question_null(client: InsperaClient, base: str) -> None:
    export = _served(client, base, payload("inspera", "results.absent"))
    absent = export.candidates[1]
    assert not absent.attended and absent.total_score is None and absent.questions == ()
    assert absent.started_at is None and absent.ended_at is None


def test_unanswered_questions_and_null_answers_leave_no_response(client: InsperaClient, base: str) -> None:
    unanswered = _served(client, base, payload("inspera", "results.unanswered")).candidates[0]
    assert _question(unanswered, 2).responses == () and _question(unanswered, 2).auto_score == 0.0
    assert [m.score for m in _question(unanswered, 4).manual_scores] == [0.0, 0.0]
    assert _question(unanswered, 4).responses == ()
    null = _served(client, base, payload("inspera", "results.null-answers")).candidates[0]
    assert _question(null, 1).responses == () and _question(null, 3).responses == ()
    assert "None" not in {r for q in null.questions for r in q.responses}


def test_null_manual_scores_are_scores_not_given(client: InsperaClient, base: str) -> None:
    line = _served(client, base, payload("inspera", "results.null-manual-scores")).candidates[0]
    assert _question(line, 3).manual_scores == () and _question(line, 3).auto_score is None
    assert [(m.grader_name, m.score) for m in _question(line, 4).manual_scores] == [("Greta Dahl", 5.0)]


def test_weights_are_read(client: InsperaClient, base: str) -> None:
    export = _served(client, base, payload("inspera", "results.weighted"))
    assert [q.weight for q in export.candidates[0].questions] == [1.0, 0.5, 2.0, 1.5]
    assert export.max_total_score == 32.0


def test_a_candidate_id_given_as_a_string_is_read(client: InsperaClient, base: str) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_candidates"][0]["result"]["ext_inspera_candidateId"] = "412001"
    assert _served(client, base, body).candidates[0].candidate_id == "412001"


def _broken(change: str) -> dict[str, Any]:
    body = copy.deepcopy(payload("inspera", "results"))
    line = body["ext_inspera_candidates"][1]["result"]
    essay = line["ext_inspera_questions"][2]
    if change == "no maximum":
        del body["ext_inspera_maxTotalScore"]
    elif change == "null max score":
        essay["ext_inspera_maxQuestionScore"] = None
    elif change == "no candidate id":
        del line["ext_inspera_candidateId"]
    elif change == "attendance as text":
        line["ext_inspera_attendance"] = "yes"
    elif change == "score without grader":
        del essay["ext_inspera_manualScores"][0]["ext_inspera_gradingTeacherName"]
    elif change == "bad time":
        line["ext_inspera_endTime"] = "21.05.2024 12:00"
    elif change == "question not an object":
        line["ext_inspera_questions"][2] = 7
    return body


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (
            "no maximum",
            "results export of test",
            "ext_inspera_maxTotalScore is missing; a number is required",
        ),
        ("null max score", "candidate 412002, question 186470027", "ext_inspera_maxQuestionScore is null"),
        ("no candidate id", "candidate number 2 in order", "ext_inspera_candidateId is missing"),
        ("attendance as text", "candidate 412002", "ext_inspera_attendance is a string; expected a boolean"),
        (
            "score without grader",
            "candidate 412002, question 186470027, manual score 1",
            "ext_inspera_gradingTeacherName is missing",
        ),
        ("bad time", "candidate 412002", "ext_inspera_endTime '21.05.2024 12:00' is not an ISO 8601 time"),
        ("question not an object", "candidate 412002, question number 3 in order", "expected an object"),
    ],
)
def test_a_broken_export_names_the_record_and_the_field(
    client: InsperaClient, base: str, change: str, where: str, what: str
) -> None:
    with pytest.raises(InsperaContractError) as refused:
        _served(client, base, _broken(change))
    assert isinstance(refused.value, ApiError) and refused.value.system == "inspera"
    assert str(refused.value).startswith("inspera: ") and where in str(refused.value)
    assert what in str(refused.value)


def test_the_candidate_list_gives_the_platform_id_and_prefers_our_auth_type() -> None:
    listed = parse_candidates(payload("inspera", "candidates"), "98765432", "FEIDE")
    assert [(c.candidate_id, c.external_user_id) for c in listed] == [
        ("412001", "student-7c1f2a"),
        ("412002", "student-91be04"),
        ("412003", "student-0d33e8"),
    ]
    assert listed[1].extra_time_minutes == 30 and listed[1].candidate_code == "MA1201-0002"
    with pytest.raises(
        InsperaContractError, match="candidates of test 9, candidate number 1 in order: candidateId"
    ):
        parse_candidates([{"externalUserIds": []}], "9", "FEIDE")


def test_the_test_search_and_the_export_job_answers_are_read() -> None:
    found = parse_search(payload("inspera", "test_search"), "MA1201-2024-V-EX1")
    assert found is not None and (found.test_id, found.status) == ("98765432", "GRADING_IN_PROGRESS")
    assert found.starts_at == datetime(2024, 5, 21, 9, tzinfo=UTC)
    assert parse_search(payload("inspera", "test_search"), "OTHER") is None
    job = answer_id(payload("inspera", "export_order"), "export order", "jobId")
    assert job == "b7e4c0d2-5f1a-4c8e-9a41-0f6d3b2e7a19"
    assert export_url(payload("inspera", "export_status.running"), job) is None
    assert str(export_url(payload("inspera", "export_status"), job)).startswith(
        "https://exports.example.invalid/"
    )


def test_broken_search_and_job_answers_name_the_field() -> None:
    search = payload("inspera", "test_search")
    del search["results"][0]["startTime"]
    with pytest.raises(InsperaContractError, match="test search for X, test 98765432: startTime is missing"):
        parse_search(search, "X")
    with pytest.raises(InsperaContractError, match="export order: jobId is missing"):
        answer_id({}, "export order", "jobId")
    with pytest.raises(InsperaContractError, match="export job J, exportInfo: signedResponseUrl is null"):
        export_url({"status": "success", "exportInfo": {"signedResponseUrl": None}}, "J")
    with pytest.raises(InsperaContractError, match="export job J: ended failed"):
        export_url({"status": "failed"}, "J")


# The stand-in's own answers meet the same schemas.


def _api(base: str) -> httpx.Client:
    token = httpx.post(
        f"{base}/api/authenticate/token/",
        params={"grant_type": "authorization_code", "client_id": "uni"},
        headers={"code": KEY},
    ).json()["access_token"]
    return httpx.Client(base_url=f"{base}/api/v1/", headers={"Authorization": f"Bearer {token}"})


def _played(client: InsperaClient, base: str) -> str:
    test_id = _test(client)
    people = [
        PlatformCandidate(external_user_id=f"uid-{i}", candidate_code="", extra_time_minutes=i % 2 * 15)
        for i in range(40)
    ]
    client.add_candidates(test_id, people)
    httpx.post(f"{base}/_sim/test/{test_id}/play", json={"seed": 3, "absent_rate": 0.2}).raise_for_status()
    grader = PlatformGrader(staff_id="staff-1", name="Eva Holm", email="eva@uni.example")
    committee = PlatformCommittee(
        name="C", graders=(grader,), external_user_ids=tuple(f"uid-{i}" for i in range(20))
    )
    client.set_committees(test_id, [committee])
    return test_id


def test_the_stand_ins_answers_meet_the_platforms_shapes(client: InsperaClient, base: str) -> None:
    test_id = _played(client, base)
    with _api(base) as api:
        check("inspera", "candidates", api.get(f"test/{test_id}/candidates").json())
        check(
            "inspera",
            "test_search",
            api.get("test/search", params={"externalTestID": "MA1201-2024-V-EX1"}).json(),
        )
        order = api.post(
            "fileExport/order",
            json={"resourceType": "AllResults", "parameters": {"assessmentRunId": test_id}},
        )
        check("inspera", "export_order", order.json())
        running = api.get(f"fileExport/status/{order.json()['jobId']}").json()
        done = api.get(f"fileExport/status/{order.json()['jobId']}").json()
    check("inspera", "export_status", running)
    check("inspera", "export_status", done)
    assert running["status"] == "running" and done["status"] == "success"
    exported = httpx.get(done["exportInfo"]["signedResponseUrl"]).json()
    check("inspera", "results", exported)
    lines = [c["result"] for c in exported["ext_inspera_candidates"]]
    absent = [r for r in lines if not r["ext_inspera_attendance"]]
    assert absent and all(len(r["ext_inspera_questions"]) == 12 for r in absent)
    graded = [q for r in lines if r["ext_inspera_attendance"] for q in r["ext_inspera_questions"]]
    assert any(q["ext_inspera_manualScores"] is None and q["ext_inspera_autoScore"] is None for q in graded)
    names = {m["ext_inspera_gradingTeacherName"] for q in graded for m in q["ext_inspera_manualScores"] or ()}
    assert names == {"Eva Holm"}


def test_the_stand_ins_totals_and_maximum_are_the_weighted_sums_of_its_lines(
    client: InsperaClient, base: str
) -> None:
    export = client.export_results(_played(client, base))
    questions = {q.question_id: q for r in export.candidates for q in r.questions}
    assert export.max_total_score == sum(q.max_score * q.weight for q in questions.values())
    for line in (r for r in export.candidates if r.attended):
        points = sum(
            (
                sum(m.score for m in q.manual_scores) / len(q.manual_scores)
                if q.manual_scores
                else q.auto_score or 0
            )
            * q.weight
            for q in line.questions
        )
        assert line.total_score == round(points, 2)


def test_the_export_still_arrives_through_injected_faults(client: InsperaClient, base: str) -> None:
    test_id = _played(client, base)
    clean = client.export_results(test_id)
    httpx.put(
        f"{base}/_sim/faults", json={"seed": 2, "error_rate": 0.3, "throttle_rate": 0.2}
    ).raise_for_status()
    assert client.export_results(test_id) == clean
    assert sum(httpx.get(f"{base}/_sim/faults").json()["injected"].values()) > 0
