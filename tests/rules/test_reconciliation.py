"""Matching the export's candidates, resolving its graders and reconciling its totals (pure), on the
platform's own payloads (tests/contracts/inspera/) as the client parses them."""

from __future__ import annotations

import pytest

from integrations.inspera_answers import parse_export
from models.domain import PlatformCandidate
from models.results import ResultsExport
from rules.reconciliation import (
    Graders,
    ResultsMismatch,
    exam_maximum,
    match_candidates,
    reconcile,
    report,
    resolve_graders,
    summary,
)
from tests.contracts import payload

GRADERS = {"staff-examiner-1": "Eva Holm", "staff-grader-ext-1": "Greta  DAHL"}
LISTED = [
    PlatformCandidate(candidate_id=str(412000 + n), external_user_id=f"student-{n}", candidate_code="")
    for n in (1, 2, 3, 4)
]


def _export(name: str = "results", **change: object) -> ResultsExport:
    body = payload("inspera", name)
    for candidate_id, total in change.items():
        line = next(
            c["result"]
            for c in body["ext_inspera_candidates"]
            if f"c{c['result']['ext_inspera_candidateId']}" == candidate_id
        )
        line["ext_inspera_totalScore"] = total
    return parse_export(body, "98765432")


def _points(export: ResultsExport) -> dict[str, float]:
    """Our own sum per candidate, as the import makes it: graders' mean, else auto, times weight."""
    return {
        r.candidate_id: sum(
            (
                sum(m.score for m in q.manual_scores) / len(q.manual_scores)
                if q.manual_scores
                else q.auto_score or 0
            )
            * q.weight
            for q in r.questions
        )
        for r in export.candidates
        if r.attended
    }


def test_candidates_are_matched_through_the_tests_candidate_list() -> None:
    matched = match_candidates(_export("results.absent"), LISTED)
    assert [(r.candidate_id, r.external_user_id) for r in matched.candidates] == [
        ("412001", "student-1"),
        ("412004", "student-4"),
    ]


def test_a_candidate_the_test_does_not_list_refuses_the_export_naming_them() -> None:
    with pytest.raises(ResultsMismatch, match="the test does not list: 412002, 412003"):
        match_candidates(_export(), LISTED[:1])


def test_the_exports_student_id_is_a_cross_check_where_given() -> None:
    body = payload("inspera", "results")
    body["ext_inspera_candidates"][0]["result"]["student"] = {"sourcedId": "student-1"}
    assert match_candidates(parse_export(body, "1"), LISTED).candidates[0].external_user_id == "student-1"
    body["ext_inspera_candidates"][1]["result"]["student"] = {"sourcedId": "student-9"}
    with pytest.raises(ResultsMismatch, match="candidate 412002: export student-9, candidate list student-2"):
        match_candidates(parse_export(body, "1"), LISTED)


def test_grader_names_resolve_through_the_exams_graders_whatever_the_case_and_spacing() -> None:
    graders = resolve_graders(_export(), GRADERS)
    assert graders == Graders({"Eva Holm": "staff-examiner-1", "Greta Dahl": "staff-grader-ext-1"}, {})


def test_an_unknown_or_shared_grader_name_is_listed_with_what_it_scored() -> None:
    graders = resolve_graders(_export(), {"staff-examiner-1": "Eva Holm"})
    assert graders.staff_ids == {"Eva Holm": "staff-examiner-1"}
    assert graders.unknown == {"Greta Dahl": [(c, q) for c in ("412001", "412002", "412003") for q in (3, 4)]}
    shared = resolve_graders(_export(), {**GRADERS, "staff-other": "Eva Holm"})
    assert set(shared.unknown) == {"Eva Holm"}


@pytest.mark.parametrize(
    "name",
    [
        "results",
        "results.weighted",
        "results.unanswered",
        "results.null-manual-scores",
        "results.null-answers",
        "results.absent",
    ],
)
def test_each_fixture_reconciles_with_our_own_sums(name: str) -> None:
    export = _export(name)
    check = reconcile(export, _points(export), exam_maximum(export.candidates))
    assert check.agrees, check


def test_a_total_that_differs_is_listed_with_both_figures_and_its_questions() -> None:
    export = _export(c412002=18.0, c412003=7.504)  # the second within the two-decimal tolerance
    check = reconcile(export, _points(export), 20.0)
    assert [(d.candidate_id, d.ours, d.platform) for d in check.differences] == [("412002", 18.5, 18.0)]
    assert not check.max_differs and not check.agrees
    text = report("OCC-1", check, Graders({}, {}), {"412002": "MA-0002"})
    assert "candidate 412002 (MA-0002): our sum 18.5, the platform's total 18" in text
    assert "question 3 (id 186470027): manual 9 (Eva Holm), 9 (Greta Dahl), weight 1, max 10" in text
    assert "question 1 (id 186470012): auto 2, weight 1, max 2" in text
    assert summary(check, Graders({}, {})) == "1 candidates' summed points differ from the platform's totals"


def test_an_attended_candidate_without_a_stated_total_is_a_difference() -> None:
    export = _export(c412001=None)
    check = reconcile(export, _points(export), 20.0)
    assert [(d.candidate_id, d.platform) for d in check.differences] == [("412001", None)]
    assert "the platform's total none stated" in report("OCC-1", check, Graders({}, {}), {})


def test_weights_applied_otherwise_than_the_platform_are_caught() -> None:
    export = _export("results.weighted")
    unweighted = {
        r.candidate_id: sum(
            (q.auto_score or 0)
            if not q.manual_scores
            else sum(m.score for m in q.manual_scores) / len(q.manual_scores)
            for q in r.questions
        )
        for r in export.candidates
    }
    check = reconcile(export, unweighted, 20.0)
    assert len(check.differences) == 3 and check.max_differs
    text = report("OCC-1", check, resolve_graders(export, {}), {})
    assert "The exam's maximum differs: ours 20, the platform's 32." in text
    assert "## 2 grader names match no grader of this exam" in text
    assert "- Eva Holm: 6 scores (candidate 412001 question 3, candidate 412001 question 4," in text
    assert summary(check, resolve_graders(export, {})) == (
        "3 candidates' summed points differ from the platform's totals, the exam's maximum is 20 by our"
        " sum, 32 by the platform, 2 grader names match no grader of the exam"
    )
