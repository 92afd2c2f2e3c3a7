"""The platform's results export (`ext_inspera_*`), parsed into typed records."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

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


class Sketch(Frozen):
    """A sketch the candidate handed in on paper, scanned onto their answer to a question; named
    by the platform's candidate id, as the export names candidates. Its file is binary: as JSON it
    travels in base64."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    candidate_id: str
    question_number: int
    filename: str
    mime_type: str
    content: bytes


class SketchListed(Frozen):
    """A sketch as the platform lists it: where its file is, not the file."""

    sketch_id: str
    candidate_id: str
    question_number: int
    filename: str
    mime_type: str
    url: str
