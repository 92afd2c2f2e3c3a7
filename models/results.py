"""The platform's results export (`ext_inspera_*`), parsed into typed records."""

from __future__ import annotations

from datetime import datetime

from models.domain import Frozen


class ManualScore(Frozen):
    """One grader's score of one answer; `grader` is the staff id the platform knows them by."""

    grader: str
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
    """One candidate's line of the export; `external_user_id` is the register's student uid."""

    candidate_id: str
    external_user_id: str
    attended: bool
    total_score: float | None
    extra_time_minutes: int
    started_at: datetime | None
    ended_at: datetime | None
    questions: tuple[QuestionResult, ...] = ()
