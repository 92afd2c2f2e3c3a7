"""LadokClient against the Ladok stand-in over real HTTP; only sleeping and faults are faked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from integrations.http import ApiError, RetryPolicy, StaleVersion, Unavailable
from integrations.ladok import LadokClient
from models.domain import StudyResult
from models.ladok_codes import GRADES, grade_code
from simulators.ladok import create_app
from simulators.server import serve_in_thread
from simulators.term import TermSpec, generate_term

SPEC = {"seed": 21, "course_rounds": 10, "occasions": 6, "students": 1200, "registrations": 2400}


class Sleeps(list[float]):
    """Records the waits a RetryPolicy asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path_factory.mktemp("ladok") / "ladok.db")) as url:
        yield url


@pytest.fixture()
def control(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.put("/_sim/faults", json={}).raise_for_status()
        yield http
        http.put("/_sim/faults", json={}).raise_for_status()


@pytest.fixture()
def term(control: httpx.Client) -> dict[str, Any]:
    response = control.post("/_sim/term", json=SPEC)
    response.raise_for_status()
    return response.json()


@pytest.fixture()
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture()
def client(base_url: str, sleeps: Sleeps) -> Iterator[LadokClient]:
    with LadokClient(base_url, retry=RetryPolicy(attempts=6, sleep=sleeps), concurrency=4) as ladok:
        yield ladok


def registered(control: httpx.Client, occasion: str) -> list[dict[str, Any]]:
    return control.get("/_sim/registrations", params={"occasion": occasion}).json()


def largest(control: httpx.Client, term: dict[str, Any]) -> str:
    return max(term["occasions"], key=lambda o: len(registered(control, o)))


def draft_for(client: LadokClient, row: StudyResult, code: str, key: str):
    return client.create_draft(
        study_result_uid=row.study_result_uid,
        module_uid=row.module_uid,
        scale_id=row.scale_id,
        grade_id=GRADES[row.scale_id].get(code, GRADES[row.scale_id]["F"]),
        exam_date=date(2026, 12, 14),
        idempotency_key=key,
    )


def test_search_reads_every_page_in_order(client: LadokClient, control: httpx.Client, term: dict[str, Any]):
    occasion = largest(control, term)
    expected = {r["study_result_uid"]: r for r in registered(control, occasion)}
    assert len(expected) > 400
    rows = client.search_study_results(occasion)
    assert len(rows) == len(expected) and {r.study_result_uid for r in rows} == set(expected)
    assert [r.last_name for r in rows] == sorted(r.last_name for r in rows)
    for row in rows[:50]:
        wire = expected[row.study_result_uid]
        assert (row.student_uid, row.module_uid, row.course_round_uid, row.anonymisation_code) == (
            wire["student_uid"],
            wire["module_uid"],
            wire["course_round_uid"],
            wire["anonymisation_code"],
        )
        assert row.draft is None and row.attested_grade_code is None


def test_registered_many_matches_the_searches_one_by_one(client: LadokClient, term: dict[str, Any]) -> None:
    many = client.registered_many(term["occasions"] + term["occasions"][:1])
    assert list(many) == term["occasions"]
    assert sum(len(rows) for rows in many.values()) == term["registrations"]
    one = term["occasions"][1]
    assert many[one] == [
        (
            r.study_result_uid,
            r.student_uid,
            r.first_name,
            r.last_name,
            r.course_round_uid,
            r.module_uid,
            r.anonymisation_code,
        )
        for r in client.search_study_results(one)
    ]


def test_occasion_dates_and_course_round(client: LadokClient, term: dict[str, Any]) -> None:
    generated = generate_term(TermSpec(**SPEC))
    expected = generated.occasions[0]
    occasion = client.get_occasion(expected.uid)
    assert occasion.name == expected.name
    assert (occasion.start_date, occasion.end_date) == (expected.day, expected.day)
    assert occasion.module_uids == expected.module_uids
    assert occasion.course_round_uids == expected.course_round_uids
    course = client.get_course_round(expected.course_round_uids[0])
    source = next(c for c in generated.course_rounds if c.uid == course.uid)
    assert course.code == source.code and course.scale_id == source.scale_id
    assert [(m.uid, m.credits, m.reportable) for m in course.modules] == [
        (m.uid, m.credits, m.reportable) for m in source.modules
    ]


def test_drafts_create_update_and_stale_version(
    client: LadokClient, control: httpx.Client, term: dict[str, Any]
) -> None:
    occasion = term["occasions"][0]
    row = client.search_study_results(occasion)[0]
    draft = draft_for(client, row, "C", key="create-1")
    assert isinstance(draft.version, str) and draft.process_status == 1
    assert draft_for(client, row, "C", key="create-1") == draft, "a replayed key returns the first answer"
    grades = list(GRADES[row.scale_id].values())
    updated = client.update_draft(
        draft=draft,
        scale_id=row.scale_id,
        grade_id=grades[0],
        exam_date=date(2026, 12, 15),
        idempotency_key="u-1",
    )
    assert updated.version != draft.version
    assert (updated.grade_code, updated.exam_date) == (grade_code(grades[0]), date(2026, 12, 15))
    seen = next(
        r for r in client.search_study_results(occasion) if r.study_result_uid == row.study_result_uid
    )
    assert seen.draft == updated
    with pytest.raises(StaleVersion):
        client.update_draft(
            draft=draft,
            scale_id=row.scale_id,
            grade_id=grades[1],
            exam_date=date(2026, 12, 15),
            idempotency_key="u-2",
        )
    control.post(f"/_sim/attest/{updated.result_uid}").raise_for_status()
    with pytest.raises(ApiError) as refused:
        client.update_draft(
            draft=updated,
            scale_id=row.scale_id,
            grade_id=grades[1],
            exam_date=date(2026, 12, 15),
            idempotency_key="u-3",
        )
    assert not isinstance(refused.value, StaleVersion) and "attested" in str(refused.value)
    after = next(
        r for r in client.search_study_results(occasion) if r.study_result_uid == row.study_result_uid
    )
    assert after.draft is None and after.attested_grade_code == grade_code(grades[0])


def test_validation_error_is_not_retried(
    client: LadokClient, control: httpx.Client, term: dict[str, Any], sleeps: Sleeps
) -> None:
    occasion = term["occasions"][0]
    row = client.search_study_results(occasion)[0]
    with pytest.raises(ApiError) as refused:
        client.create_draft(
            study_result_uid=row.study_result_uid,
            module_uid=row.module_uid,
            scale_id=row.scale_id,
            grade_id=999,
            exam_date=date(2026, 12, 14),
            idempotency_key="bad-1",
        )
    assert refused.value.status == 422 and "999" in str(refused.value)
    assert sleeps == []
    assert control.get("/_sim/results", params={"occasion": occasion}).json() == []


@pytest.mark.parametrize(
    ("faults", "wait"),
    [
        ({"error_rate": 0.2, "seed": 4}, None),
        ({"throttle_rate": 0.2, "retry_after_seconds": 2.5, "seed": 4}, 2.5),
    ],
)
def test_transient_errors_are_retried_until_success(
    client: LadokClient,
    control: httpx.Client,
    term: dict[str, Any],
    sleeps: Sleeps,
    faults: dict[str, Any],
    wait: float | None,
) -> None:
    control.put("/_sim/faults", json=faults).raise_for_status()
    rows = client.registered_many(term["occasions"])
    injected = control.get("/_sim/faults").json()["injected"]
    assert sum(injected.values()) > 0 and len(sleeps) >= sum(injected.values())
    assert sum(len(r) for r in rows.values()) == term["registrations"]
    if wait is not None:
        assert wait in sleeps, "Retry-After is honoured"


def test_retried_write_lands_once(client: LadokClient, control: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    row = client.search_study_results(occasion)[0]
    control.put("/_sim/faults", json={"error_rate": 0.6, "seed": 9}).raise_for_status()
    draft = draft_for(client, row, "B", key="flaky-create")
    assert control.get("/_sim/faults").json()["injected"].get("error", 0) > 0
    control.put("/_sim/faults", json={}).raise_for_status()
    results = control.get("/_sim/results", params={"occasion": occasion}).json()
    assert [r["result_uid"] for r in results] == [draft.result_uid]


def test_unavailable_after_the_retry_budget(base_url: str, control: httpx.Client, term: dict[str, Any]):
    control.put("/_sim/faults", json={"error_rate": 1}).raise_for_status()
    sleeps = Sleeps()
    with LadokClient(base_url, retry=RetryPolicy(attempts=3, sleep=sleeps)) as ladok:
        with pytest.raises(Unavailable) as gave_up:
            ladok.get_occasion(term["occasions"][0])
    assert len(sleeps) == 2 and "503" in str(gave_up.value)


def test_hanging_server_times_out_and_gives_up(base_url: str, control: httpx.Client, term: dict[str, Any]):
    control.put("/_sim/faults", json={"timeout_rate": 1, "hang_seconds": 1}).raise_for_status()
    sleeps = Sleeps()
    with LadokClient(base_url, timeout=0.2, retry=RetryPolicy(attempts=2, sleep=sleeps)) as ladok:
        with pytest.raises(Unavailable) as gave_up:
            ladok.search_study_results(term["occasions"][0])
    assert len(sleeps) == 1 and "Timeout" in str(gave_up.value)
