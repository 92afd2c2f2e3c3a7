"""Reading the platform's answers tolerantly: unknown fields are ignored, and a required field that
is missing, null or of the wrong type is an `InsperaContractError` naming the record and the field
(the shapes: tests/contracts/inspera/).

The AllResults file: `{"ext_inspera_maxTotalScore", "ext_inspera_candidates": [{"result": {...}}]}`.
An absent candidate's questions are not read (the platform lists every one with null values). A
null answer is no answer; a manual score that is null is a score not given yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.http import ApiError
from models.domain import PlatformCandidate, PlatformTest
from models.results import CandidateResult, ManualScore, QuestionResult, ResultsExport, SketchListed

SYSTEM = "inspera"
KINDS: dict[str, tuple[type, ...]] = {
    "a number": (int, float),
    "an integer": (int,),
    "a string": (str,),
    "a boolean": (bool,),
    "a list": (list,),
    "an object": (dict,),
    "an id": (int, str),
}


class InsperaContractError(ApiError):
    """An answer of the platform that breaks its published shape; retrying will not change it."""

    def __init__(self, where: str, message: str) -> None:
        Exception.__init__(self, f"{SYSTEM}: {where}: {message}")
        self.system, self.status = SYSTEM, None


class Fields:
    """One JSON object of an answer, read field by field; `where` names the record in errors."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise InsperaContractError(where, f"expected an object, got {_kind_of(data)}")
        self.data, self.where = data, where

    def get(self, name: str, kind: str, *, required: bool = True) -> Any:
        value = self.data.get(name)
        if value is None:
            if required:
                state = "null" if name in self.data else "missing"
                raise InsperaContractError(self.where, f"{name} is {state}; {kind} is required")
            return None
        is_bool = isinstance(value, bool)
        if not isinstance(value, KINDS[kind]) or (is_bool and kind != "a boolean"):
            raise InsperaContractError(self.where, f"{name} is {_kind_of(value)}; expected {kind}")
        return value

    def when(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.get(name, "a string", required=required)
        try:
            return None if value is None else datetime.fromisoformat(value)
        except ValueError:
            raise InsperaContractError(self.where, f"{name} {value!r} is not an ISO 8601 time") from None


def _kind_of(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return "null" if value is None else names.get(type(value), "an object")


def _id(value: int | str) -> str:
    return str(value).strip()


def _record(data: Any, context: str, label: str, position: int, key: str) -> tuple[Fields, str]:
    """A record of a list and its id; errors name it by its id once that is read."""
    record_id = _id(Fields(data, f"{context}, {label} number {position} in order").get(key, "an id"))
    return Fields(data, f"{context}, {label} {record_id}"), record_id


def answer_id(data: Any, where: str, key: str) -> str:
    """The id an answer gives (`jobId` of an export order, `assessmentRunId` of an upsert)."""
    return _id(Fields(data, where).get(key, "an id"))


def parse_test(data: Any, where: str) -> PlatformTest:
    test_id = answer_id(data, where, "assessmentRunId")
    test = Fields(data, f"{where}, test {test_id}")
    return PlatformTest(
        test_id=test_id,
        external_id=_id(test.get("externalId", "an id")),
        title=test.get("assessmentRunTitle", "a string"),
        status=test.get("status", "a string"),
        starts_at=test.when("startTime", required=True),
        ends_at=test.when("endTime", required=True),
    )


def parse_search(data: Any, external_test_id: str) -> PlatformTest | None:
    """The test of a search answer whose external id is `external_test_id`, if any."""
    where = f"test search for {external_test_id}"
    hits = Fields(data, where).get("results", "a list", required=False) or []
    tests = [parse_test(hit, where) for hit in hits]
    return next((t for t in tests if t.external_id == external_test_id), None)


def export_url(data: Any, job: str) -> str | None:
    """The signed URL of a done export job; None while it runs. A job that ended otherwise is an error."""
    status = Fields(data, f"export job {job}")
    state = status.get("status", "a string", required=False)
    if state == "success":
        info = Fields(status.get("exportInfo", "an object"), f"{status.where}, exportInfo")
        return str(info.get("signedResponseUrl", "a string"))
    if state not in ("running", "queued", "pending", None):
        raise InsperaContractError(status.where, f"ended {state}")
    return None


def parse_export(data: Any, test_id: str) -> ResultsExport:
    top = Fields(data, f"results export of test {test_id}")
    lines = top.get("ext_inspera_candidates", "a list")
    return ResultsExport(
        candidates=tuple(_candidate(item, top.where, n) for n, item in enumerate(lines, 1)),
        max_total_score=float(top.get("ext_inspera_maxTotalScore", "a number")),
    )


def _candidate(item: Any, context: str, position: int) -> CandidateResult:
    result = Fields(item, f"{context}, line {position}").get("result", "an object")
    line, candidate_id = _record(result, context, "candidate", position, "ext_inspera_candidateId")
    attended = line.get("ext_inspera_attendance", "a boolean")
    total = line.get("ext_inspera_totalScore", "a number", required=False)
    questions = line.get("ext_inspera_questions", "a list", required=attended) or []
    extra = line.get("ext_inspera_extraTimeMins", "an integer", required=False) or 0
    incident = line.get("ext_inspera_incidentTimeMins", "an integer", required=False) or 0
    return CandidateResult(
        candidate_id=candidate_id,
        sourced_id=_sourced_id(line),
        attended=attended,
        total_score=None if total is None else float(total),
        extra_time_minutes=extra + incident,
        started_at=line.when("ext_inspera_startTime"),
        ended_at=line.when("ext_inspera_endTime"),
        questions=tuple(_question(q, line.where, n) for n, q in enumerate(questions, 1)) if attended else (),
    )


def _sourced_id(line: Fields) -> str | None:
    student = line.get("student", "an object", required=False)
    if student is None:
        return None
    sourced = Fields(student, f"{line.where}, student").get("sourcedId", "an id", required=False)
    return None if sourced is None else _id(sourced)


def _question(data: Any, context: str, position: int) -> QuestionResult:
    question, question_id = _record(data, context, "question", position, "ext_inspera_questionId")
    auto = question.get("ext_inspera_autoScore", "a number", required=False)
    weight = question.get("ext_inspera_questionWeight", "a number", required=False)
    return QuestionResult(
        question_id=question_id,
        number=question.get("ext_inspera_questionNumber", "an integer"),
        max_score=float(question.get("ext_inspera_maxQuestionScore", "a number")),
        weight=1.0 if weight is None else float(weight),
        auto_score=None if auto is None else float(auto),
        manual_scores=_manual_scores(question),
        responses=_responses(question),
    )


def _manual_scores(question: Fields) -> tuple[ManualScore, ...]:
    scores = []
    for n, entry in enumerate(question.get("ext_inspera_manualScores", "a list", required=False) or (), 1):
        score = Fields(entry, f"{question.where}, manual score {n}")
        value = score.get("ext_inspera_manualScore", "a number", required=False)
        if value is not None:
            name = score.get("ext_inspera_gradingTeacherName", "a string")
            scores.append(ManualScore(grader_name=" ".join(name.split()), score=float(value)))
    return tuple(scores)


def _responses(question: Fields) -> tuple[str, ...]:
    answers = []
    for n, entry in enumerate(
        question.get("ext_inspera_candidateResponses", "a list", required=False) or (), 1
    ):
        value = Fields(entry, f"{question.where}, response {n}").get(
            "ext_inspera_response", "a string", required=False
        )
        if value is not None:
            answers.append(value)
    return tuple(answers)


def parse_candidates(data: Any, test_id: str, auth_type: str) -> list[PlatformCandidate]:
    """The test's candidate list; a candidate's register id is their external id of `auth_type`,
    else their first (as the platform lists them)."""
    where = f"candidates of test {test_id}"
    if not isinstance(data, list):
        raise InsperaContractError(where, f"expected a list, got {_kind_of(data)}")
    return [_listed(row, where, n, auth_type) for n, row in enumerate(data, 1)]


def _listed(data: Any, context: str, position: int, auth_type: str) -> PlatformCandidate:
    row, candidate_id = _record(data, context, "candidate", position, "candidateId")
    ids = [
        Fields(i, f"{row.where}, externalUserIds")
        for i in row.get("externalUserIds", "a list", required=False) or ()
    ]
    mine = [i for i in ids if i.get("authType", "a string", required=False) == auth_type]
    chosen = next(iter(mine or ids), None)
    external = chosen.get("externalUserId", "a string") if chosen else row.get("externalUserId", "a string")
    return PlatformCandidate(
        candidate_id=candidate_id,
        external_user_id=external,
        candidate_code=str(row.get("candidateCode", "an id", required=False) or ""),
        extra_time_minutes=row.get("extraTimeMins", "an integer", required=False) or 0,
    )


def parse_sketches(data: Any, test_id: str) -> list[SketchListed]:
    """The test's scanned sketches as listed, each with the signed URL of its file."""
    where = f"sketches of test {test_id}"
    if not isinstance(data, list):
        raise InsperaContractError(where, f"expected a list, got {_kind_of(data)}")
    listed = []
    for n, item in enumerate(data, 1):
        row, sketch_id = _record(item, where, "sketch", n, "sketchId")
        listed.append(
            SketchListed(
                sketch_id=sketch_id,
                candidate_id=_id(row.get("candidateId", "an id")),
                question_number=row.get("questionNumber", "an integer"),
                filename=row.get("fileName", "a string"),
                mime_type=row.get("mimeType", "a string"),
                url=row.get("signedUrl", "a string"),
            )
        )
    return listed
