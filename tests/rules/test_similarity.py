"""What the similarity service is given (each attended candidate's text answers) and which reports
flag a candidate (done, strictly above the threshold, by code, highest first)."""

from __future__ import annotations

from models.domain import SimilarityReport
from models.results import CandidateResult, QuestionResult
from rules.similarity import Flag, candidate_texts, flags_for


def _question(number: int, auto: float | None, *responses: str) -> QuestionResult:
    return QuestionResult(
        question_id=f"q{number}", number=number, max_score=2, weight=1, auto_score=auto, responses=responses
    )


def _candidate(uid: str, attended: bool, *questions: QuestionResult) -> CandidateResult:
    return CandidateResult(
        candidate_id=uid,
        external_user_id=uid,
        attended=attended,
        total_score=None,
        extra_time_minutes=0,
        started_at=None,
        ended_at=None,
        questions=questions,
    )


def test_candidate_texts_are_the_text_answers_of_attended_candidates_in_question_order() -> None:
    results = [
        _candidate(
            "s1", True, _question(3, None, "third"), _question(1, 2.0, "B"), _question(2, None, "second")
        ),
        _candidate("s2", True, _question(1, 0.0, "A"), _question(2, None, "  ")),
        _candidate("s3", False, _question(2, None, "absent but listed")),
    ]
    assert candidate_texts(results, {"s1": 1, "s2": 2, "s3": 3}) == {1: "second\n\nthird"}


def test_flags_are_the_done_reports_strictly_above_the_threshold_highest_first() -> None:
    reports = {
        1: SimilarityReport(document_id="d1", status="done", percent=40.0),
        2: SimilarityReport(document_id="d2", status="done", percent=95.5),
        3: SimilarityReport(document_id="d3", status="done", percent=40.1),
        4: SimilarityReport(document_id="d4", status="pending"),
        5: SimilarityReport(document_id="d5", status="done", percent=99.0),  # no longer registered
        6: SimilarityReport(document_id="d6", status="done", percent=95.5),
    }
    codes = {1: "C-0001", 2: "C-0002", 3: "C-0003", 4: "C-0004", 6: "C-0000"}
    assert flags_for(reports, codes, 40) == [
        Flag(code="C-0000", percent=95.5),
        Flag(code="C-0002", percent=95.5),
        Flag(code="C-0003", percent=40.1),
    ]
    assert flags_for(reports, codes, 100) == []
    assert len(flags_for(reports, codes, 0)) == 4
