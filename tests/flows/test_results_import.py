"""The results import on the platform's own payloads (tests/contracts/inspera/) and on the stand-in's
export: the client reads each over HTTP from the stand-in, which serves a
contract payload loaded through `/_sim/test/{id}/export` (its candidate ids replaced by those of the
candidates examflow added to the test). A total or maximum that differs from our sums, or a grader
name the exam does not know, refuses the import with a report; absent candidates, unanswered
questions, null manual scores and null answers are imported; both exports go through the grading
flow and come out graded as the platform's own totals say."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pandas as pd
import pytest
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from flows.exam_day import exam_day
from flows.grading import grading
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from models.grading import CommitteeRule, GradingSettings
from models.params import GradeExam, OccasionStep, PlanExam, SyncRegistrations
from rules.grades import grades_for_points
from store import grading as grading_store
from store import occasions
from store.db import transaction
from store.schema import Grade, GraderMark, Mark, Occasion
from tasks import platform_results
from tasks.committees import form_grading_committees
from tasks.exam_names import key_of
from tasks.grading import GradingRefused, exam_thresholds, import_results, use_settings
from tasks.systems import systems
from tests.contracts import payload
from tests.flows.conftest import World, approving, past_window

# Two graders, one external: the examiner (Eva Holm) and the external grader (Greta Dahl), the names
# the contract payloads give their graders.
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
FIXTURE_IDS = ("412001", "412002", "412003", "412004")


def _status(uid: str) -> str | None:
    with transaction() as session:
        row = session.get(Occasion, uid)
        return None if row is None else row.status


def _examined(world: World, uid: str) -> str:
    """The occasion planned, synced and past exam day (the phases another module has not run yet)."""
    status = _status(uid)
    if status is None:
        times = world.reschedule(uid, *past_window(hours_ago=8))
        with approving(world.outbox, "staff-coordinator-1"):
            plan_exam(PlanExam(occasion_uid=uid, times=times, code_prefix="RIM", country="SE", grading=RULE))
    if status in (None, "planned"):
        registration_sync(SyncRegistrations(occasion_uids=[uid]))
    if status in (None, "planned", "active"):
        exam_day(OccasionStep(occasion_uid=uid))
    use_settings.fn(uid, RULE)
    form_grading_committees.fn(uid, True)
    return uid


@pytest.fixture(scope="module")
def from_fixture(world: World) -> str:
    """The occasion graded from the contract payloads: one of its own, since the payloads replace
    the platform's export (the plagiarism tests read the shared occasions' answers)."""
    return _examined(world, world.fresh_occasion())


@pytest.fixture(scope="module")
def from_stand_in(world: World) -> str:
    """The occasion graded from the stand-in's own export."""
    return _examined(world, world.occasions[2])


def _candidate_ids(occasion: str) -> dict[str, str]:
    """The fixture's candidate ids → the ids of the first candidates examflow added to the test."""
    with systems().platform() as client:
        listed = client.list_candidates(platform_results.platform_test_id(occasion))
    ids = sorted((c.candidate_id for c in listed), key=int)
    return dict(zip(FIXTURE_IDS, ids, strict=False))


def _load(world: World, occasion: str, body: dict[str, Any]) -> dict[str, str]:
    """Serves `body` as the test's export, its candidates renamed to the test's; returns the renaming."""
    renamed = _candidate_ids(occasion)
    body = copy.deepcopy(body)
    for line in body["ext_inspera_candidates"]:
        line["result"]["ext_inspera_candidateId"] = int(
            renamed[str(line["result"]["ext_inspera_candidateId"])]
        )
    url = f"{world.inspera_url}/_sim/test/{platform_results.platform_test_id(occasion)}/export"
    httpx.put(url, content=json.dumps(body)).raise_for_status()
    return renamed


def _registration(occasion: str, candidate_id: str) -> int:
    export, held = platform_results.registered_export(occasion)
    return next(held[r.external_user_id] for r in export.candidates if r.candidate_id == candidate_id)


def _written(occasion: str) -> tuple[int, int, int]:
    with transaction() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(t).where(t.occasion_id == occasion)) or 0)
            for t in (Mark, Grade, GraderMark)
        )


def _marks(registration_id: int) -> dict[str, Mark]:
    with transaction() as session:
        rows = session.scalars(select(Mark).where(Mark.registration_id == registration_id)).all()
        session.expunge_all()
    return {m.question_id: m for m in rows}


def test_a_total_that_differs_refuses_the_import_and_lists_both_figures(
    world: World, from_fixture: str
) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_candidates"][1]["result"]["ext_inspera_totalScore"] = 18.0
    renamed = _load(world, from_fixture, body)
    before = _written(from_fixture)
    with pytest.raises(GradingRefused) as refused:
        import_results.fn(from_fixture)
    key = key_of("results-check", from_fixture)
    assert "1 candidates' summed points differ from the platform's totals" in str(refused.value)
    assert f"see the artifact {key}" in str(refused.value)
    assert _written(from_fixture) == before
    text = str(Artifact.get(key).data)  # type: ignore[union-attr]
    assert f"candidate {renamed['412002']} (" in text
    assert "our sum 18.5, the platform's total 18" in text
    assert "question 3 (id 186470027): manual 9 (Eva Holm), 9 (Greta Dahl), weight 1, max 10" in text


def test_a_maximum_that_differs_refuses_the_import(world: World, from_fixture: str) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_maxTotalScore"] = 25.0
    _load(world, from_fixture, body)
    with pytest.raises(GradingRefused, match="the exam's maximum is 20 by our sum, 25 by the platform"):
        import_results.fn(from_fixture)


def test_an_unknown_grader_name_is_listed_not_dropped(world: World, from_fixture: str) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_candidates"][0]["result"]["ext_inspera_questions"][3]["ext_inspera_manualScores"][1][
        "ext_inspera_gradingTeacherName"
    ] = "Gunnar Dahl"
    renamed = _load(world, from_fixture, body)
    before = _written(from_fixture)
    with pytest.raises(GradingRefused, match="1 grader names match no grader of the exam"):
        import_results.fn(from_fixture)
    assert _written(from_fixture) == before
    text = str(Artifact.get(key_of("results-check", from_fixture)).data)  # type: ignore[union-attr]
    assert f"- Gunnar Dahl: 1 scores (candidate {renamed['412001']} question 4)" in text


def test_an_absent_candidate_with_every_question_null_gets_no_grade(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results.absent"))
    summary = import_results.fn(from_fixture)
    assert summary.absent == 1 and summary.graded == 1 and summary.max_points == 20.0
    absent = _registration(from_fixture, renamed["412004"])
    with transaction() as session:
        assert session.get(Grade, absent) is None
    assert _marks(absent) == {}


def test_unanswered_questions_score_nothing_and_keep_no_answer(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results.unanswered"))
    import_results.fn(from_fixture)
    registration = _registration(from_fixture, renamed["412001"])
    marks = _marks(registration)
    assert marks["186470019"].response is None and marks["186470019"].score == 0.0
    assert marks["186470031"].score == 0.0 and marks["186470012"].response == "B"
    with transaction() as session:
        assert session.get(Grade, registration).points == 8.0  # type: ignore[union-attr]


def test_null_manual_scores_are_left_unscored(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results.null-manual-scores"))
    summary = import_results.fn(from_fixture)
    assert summary.unscored == 1
    registration = _registration(from_fixture, renamed["412001"])
    marks = _marks(registration)
    assert marks["186470027"].manual_score is None and marks["186470027"].score == 0.0
    assert marks["186470031"].manual_score == 5.0
    with transaction() as session:
        graders = session.scalars(
            select(GraderMark.staff_id).where(
                GraderMark.registration_id == registration, GraderMark.question_id == "186470031"
            )
        ).all()
    assert graders == ["staff-grader-ext-1"]


def test_null_answers_are_stored_as_no_answer_not_as_text(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results.null-answers"))
    import_results.fn(from_fixture)
    marks = _marks(_registration(from_fixture, renamed["412001"]))
    assert marks["186470012"].response is None and marks["186470012"].score == 0.0
    with transaction() as session:
        responses = session.scalars(select(Mark.response).where(Mark.occasion_id == from_fixture)).all()
    assert "None" not in responses and "" not in responses


def test_weights_other_than_one_reconcile(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results.weighted"))
    summary = import_results.fn(from_fixture)
    assert summary.max_points == 32.0
    with transaction() as session:
        assert session.get(Grade, _registration(from_fixture, renamed["412001"])).points == 23.75  # type: ignore[union-attr]


def _graded(world: World, occasion: str) -> dict[str, Any]:
    with (
        approving(world.outbox, "staff-grader-ext-1"),
        approving(world.outbox, "staff-examiner-1"),
        approving(world.outbox, "staff-grader-1"),
    ):
        return grading(GradeExam(occasion_uid=occasion, settings=RULE))


def _as_the_platform_says(occasion: str) -> tuple[dict[int, tuple[float, str]], dict[int, tuple[float, str]]]:
    """Each graded candidate's (points, grade) as stored, and as the platform's totals give them."""
    export, held = platform_results.registered_export(occasion)
    attended = [r for r in export.candidates if r.attended]
    with transaction() as session:
        thresholds = exam_thresholds(session, occasion)
        frame = grading_store.grade_frame(session, occasion_id=occasion)
    totals = [r.total_score for r in attended]
    grades = grades_for_points(pd.Series(totals, dtype=float), export.max_total_score, thresholds)
    platform = {
        held[r.external_user_id]: (float(total), str(grade))
        for r, total, grade in zip(attended, totals, grades, strict=True)
    }
    stored = {
        int(row.registration_id): (float(row.points), str(row.grade))
        for row in frame.itertuples()
        if row.registration_id in platform
    }
    return stored, platform


def test_the_platforms_payload_goes_through_the_grading_flow(world: World, from_fixture: str) -> None:
    renamed = _load(world, from_fixture, payload("inspera", "results"))
    result = _graded(world, from_fixture)
    assert result["approved"] > 0
    stored, platform = _as_the_platform_says(from_fixture)
    assert stored == platform
    by_fixture = {c: stored[_registration(from_fixture, renamed[c])] for c in FIXTURE_IDS[:3]}
    assert by_fixture == {"412001": (14.0, "C"), "412002": (18.5, "A"), "412003": (7.5, "F")}
    with transaction() as session:
        assert occasions.get(session, from_fixture).status == "graded"
        staff = set(
            session.scalars(select(GraderMark.staff_id).where(GraderMark.occasion_id == from_fixture))
        )
    assert staff == {"staff-examiner-1", "staff-grader-ext-1"}


def test_the_stand_ins_export_goes_through_the_grading_flow_the_same_way(
    world: World, from_stand_in: str
) -> None:
    result = _graded(world, from_stand_in)
    assert result["approved"] > 0
    stored, platform = _as_the_platform_says(from_stand_in)
    assert len(stored) > 10 and stored == platform
    with transaction() as session:
        staff = set(
            session.scalars(select(GraderMark.staff_id).where(GraderMark.occasion_id == from_stand_in))
        )
    assert staff == {"staff-examiner-1", "staff-grader-ext-1"}
