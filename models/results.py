"""The platform's results export (`ext_inspera_*`), parsed into typed records."""

from __future__ import annotations

from datetime import datetime

from models.domain import Frozen


class ManualScore(Frozen):
    """One grader's score of one answer; `grader_name` is the name the platform gives the grader
    (`ext_inspera_gradingTeacherName`), resolved to a staff id at import."""

    grader_name: str
    score: float


class QuestionResult(Frozen):
    question_id: str
    number: int
    max_score: float
    weight: float
    auto_score: float | None
    manual_scores: tuple[ManualScore, ...] = ()
    responses: tuple[str, ...] = ()


class CandidateResult(Frozen):
    """One candidate's line of the export. `candidate_id` is the platform's per-test candidate id;
    `external_user_id` (the register's student uid) is not in the export: it is filled in from the
    test's candidate list when the export is matched. `sourced_id` is the export's own student id
    (`student.sourcedId`), when it carries one, for a cross-check."""

    candidate_id: str
    external_user_id: str = ""
    sourced_id: str | None = None
    attended: bool
    total_score: float | None
    extra_time_minutes: int
    started_at: datetime | None
    ended_at: datetime | None
    questions: tuple[QuestionResult, ...] = ()


class ResultsExport(Frozen):
    """The whole AllResults file: each candidate's line and the maximum the platform states."""

    candidates: tuple[CandidateResult, ...]
    max_total_score: float
