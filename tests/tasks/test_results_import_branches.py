"""The results import's branches, fast: the platform's own payloads (tests/contracts/inspera/)
served by the fake platform, imported by the task's function into a SQLite store. A total or a
maximum that differs from our sums, or a grader name the exam does not know, refuses the import
with nothing written and a report; absent candidates, unanswered questions, null manual scores,
null answers and weights other than one are imported; a platform that is down fails the import
with nothing written.

Prefect's artifact store is not at hand without a Prefect server: `reports` records what the task
publishes there (the flow tests read it back from the API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from integrations.http import Unavailable
from models.grading import CommitteeRule, GradingSettings
from store.db import transaction
from store.schema import Grade, GraderMark, Mark
from tasks import grading as grading_task
from tasks import platform_results
from tasks.grading import GradingRefused, import_results
from tests.contracts import payload
from tests.fakes import FakeSystems
from tests.fakes.worlds import exam_with_export

# Two graders, one external: the examiner (Eva Holm) and the external grader (Greta Dahl), the names
# the contract payloads give their graders.
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    published: dict[str, str] = {}

    def record(*, key: str, markdown: str, description: str) -> None:
        published[key] = markdown

    monkeypatch.setattr(grading_task, "create_markdown_artifact", record)
    yield published


def examined(fakes: FakeSystems, export: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The term's largest occasion, its test serving `export`; the candidate renaming."""
    occasion = max(fakes.ladok.occasions, key=lambda uid: len(fakes.ladok.registered_many([uid])[uid]))
    return occasion, exam_with_export(fakes, occasion, export, RULE)


def written(occasion: str) -> tuple[int, ...]:
    with transaction() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(t).where(t.occasion_id == occasion)) or 0)
            for t in (Mark, Grade, GraderMark)
        )


def registration(occasion: str, candidate_id: str) -> int:
    export, held = platform_results.registered_export(occasion)
    return next(held[r.external_user_id] for r in export.candidates if r.candidate_id == candidate_id)


def marks(registration_id: int) -> dict[str, Mark]:
    with transaction() as session:
        rows = session.scalars(select(Mark).where(Mark.registration_id == registration_id)).all()
        session.expunge_all()
    return {m.question_id: m for m in rows}


def test_a_total_that_differs_refuses_the_import_and_lists_both_figures(
    fakes: FakeSystems, reports: dict[str, str]
) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_candidates"][1]["result"]["ext_inspera_totalScore"] = 18.0
    occasion, renamed = examined(fakes, body)
    with pytest.raises(GradingRefused, match="1 candidates' summed points differ from the platform's totals"):
        import_results.fn(occasion)
    assert written(occasion) == (0, 0, 0)
    [text] = reports.values()
    assert f"candidate {renamed['412002']} (" in text
    assert "our sum 18.5, the platform's total 18" in text
    assert "question 3 (id 186470027): manual 9 (Eva Holm), 9 (Greta Dahl), weight 1, max 10" in text


def test_a_maximum_that_differs_refuses_the_import(fakes: FakeSystems, reports: dict[str, str]) -> None:
    body = payload("inspera", "results")
    body["ext_inspera_maxTotalScore"] = 25.0
    occasion, _ = examined(fakes, body)
    with pytest.raises(GradingRefused, match="the exam's maximum is 20 by our sum, 25 by the platform"):
        import_results.fn(occasion)
    assert written(occasion) == (0, 0, 0)


def test_an_unknown_grader_name_is_listed_not_dropped(fakes: FakeSystems, reports: dict[str, str]) -> None:
    body = payload("inspera", "results")
    scores = body["ext_inspera_candidates"][0]["result"]["ext_inspera_questions"][3][
        "ext_inspera_manualScores"
    ]
    scores[1]["ext_inspera_gradingTeacherName"] = "Gunnar Dahl"
    occasion, renamed = examined(fakes, body)
    with pytest.raises(GradingRefused, match="1 grader names match no grader of the exam"):
        import_results.fn(occasion)
    assert written(occasion) == (0, 0, 0)
    [text] = reports.values()
    assert f"- Gunnar Dahl: 1 scores (candidate {renamed['412001']} question 4)" in text


def test_an_absent_candidate_with_every_question_null_gets_no_grade(fakes: FakeSystems) -> None:
    occasion, renamed = examined(fakes, payload("inspera", "results.absent"))
    summary = import_results.fn(occasion)
    assert (summary.absent, summary.graded, summary.max_points) == (1, 1, 20.0)
    absent = registration(occasion, renamed["412004"])
    with transaction() as session:
        assert session.get(Grade, absent) is None
    assert marks(absent) == {}


def test_unanswered_questions_score_nothing_and_keep_no_answer(fakes: FakeSystems) -> None:
    occasion, renamed = examined(fakes, payload("inspera", "results.unanswered"))
    import_results.fn(occasion)
    registration_id = registration(occasion, renamed["412001"])
    held = marks(registration_id)
    assert held["186470019"].response is None and held["186470019"].score == 0.0
    assert held["186470031"].score == 0.0 and held["186470012"].response == "B"
    with transaction() as session:
        grade = session.get(Grade, registration_id)
        assert grade is not None and grade.points == 8.0


def test_null_manual_scores_are_left_unscored(fakes: FakeSystems) -> None:
    occasion, renamed = examined(fakes, payload("inspera", "results.null-manual-scores"))
    assert import_results.fn(occasion).unscored == 1
    registration_id = registration(occasion, renamed["412001"])
    held = marks(registration_id)
    assert held["186470027"].manual_score is None and held["186470027"].score == 0.0
    assert held["186470031"].manual_score == 5.0
    with transaction() as session:
        graders = session.scalars(
            select(GraderMark.staff_id).where(
                GraderMark.registration_id == registration_id, GraderMark.question_id == "186470031"
            )
        ).all()
    assert graders == ["staff-grader-ext-1"]


def test_null_answers_are_stored_as_no_answer_not_as_text(fakes: FakeSystems) -> None:
    occasion, renamed = examined(fakes, payload("inspera", "results.null-answers"))
    import_results.fn(occasion)
    held = marks(registration(occasion, renamed["412001"]))
    assert held["186470012"].response is None and held["186470012"].score == 0.0
    with transaction() as session:
        responses = session.scalars(select(Mark.response).where(Mark.occasion_id == occasion)).all()
    assert "None" not in responses and "" not in responses


def test_weights_other_than_one_reconcile(fakes: FakeSystems) -> None:
    occasion, renamed = examined(fakes, payload("inspera", "results.weighted"))
    assert import_results.fn(occasion).max_points == 32.0
    with transaction() as session:
        grade = session.get(Grade, registration(occasion, renamed["412001"]))
        assert grade is not None and grade.points == 23.75


def test_a_platform_that_is_down_fails_the_import_with_nothing_written(fakes: FakeSystems) -> None:
    occasion, _ = examined(fakes, payload("inspera", "results"))
    fakes.unavailable("inspera", calls=1)
    with pytest.raises(Unavailable, match="inspera"):
        import_results.fn(occasion)
    assert written(occasion) == (0, 0, 0)
    assert import_results.fn(occasion).graded == 3  # the next try goes through
