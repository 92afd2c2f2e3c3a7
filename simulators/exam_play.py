"""A seeded, pure play of an exam: who turned up, what they answered and what they scored.

The output is the platform's per-candidate export line (`ext_inspera_*`, the fields and value types
of the real AllResults export: integer question ids, null manual scores where nobody graded, every
question listed with null values for an absent candidate), so the stand-in can store and serve it.
Each candidate gets an ability drawn from a wide Beta distribution, so the total scores spread over
the whole A–F range; multiple-choice items are auto-scored, and a few answers are left blank (a null
response). Essays are not scored at play: each keeps a hidden "true" share (`TRUE_SHARE`), and
`graded_line` scores it when the export is assembled, once per grader of the candidate's committee
(named as the platform names them, `ext_inspera_gradingTeacherName`), as `grader_score` of the true
score. Totals and the maximum are the weighted sums: score (the graders' mean) times weight.
An essay's text is the candidate's own (`simulators.essays`), but for a planted pair of candidates
who hand in the same essays, lightly disguised, for the similarity check to find.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from simulators.essays import copied_text, essay_text

GRADE_FLOORS = (("A", 89.0), ("B", 77.0), ("C", 65.0), ("D", 53.0), ("E", 41.0))
TRUE_SHARE = "_sim_trueShare"  # an essay's hidden share of its max score; never exported
GRADER_OFFSETS = (-0.5, 0.0, 0.5)
ESSAY_EVERY = 3  # every third question is an essay, the rest are multiple choice
BLANK_RATE = 0.02  # the share of answers left blank
NULL_VALUES = {
    "ext_inspera_autoScore": None,
    "ext_inspera_manualScores": None,
    "ext_inspera_candidateResponses": None,
}
CHOICES = "ABCD"


@dataclass(frozen=True)
class Question:
    question_id: int
    number: int
    max_score: float
    essay: bool
    weight: float = 1.0
    key: str = ""


@dataclass(frozen=True)
class Sitter:
    """A candidate on the test as the platform knows them before the exam."""

    candidate_id: int
    external_ids: tuple[dict[str, str], ...]
    extra_time_mins: int


@dataclass(frozen=True)
class Grader:
    """A contributor who evaluates: their external id and their name as the platform shows it."""

    external_id: str
    name: str


@dataclass(frozen=True)
class PlayedExam:
    questions: tuple[Question, ...]
    results: tuple[dict[str, Any], ...]
    absent: int
    incidents: int
    copied: tuple[tuple[int, int], ...] = ()  # (source, copier) candidate ids of the planted copies

    @property
    def present(self) -> int:
        return len(self.results) - self.absent


def make_questions(rng: random.Random, count: int) -> tuple[Question, ...]:
    questions = []
    for number in range(1, count + 1):
        essay = number % ESSAY_EVERY == 0
        questions.append(
            Question(
                question_id=rng.randrange(10**8, 10**9),
                number=number,
                max_score=float(rng.randint(5, 10) if essay else rng.randint(1, 2)),
                essay=essay,
                key="" if essay else rng.choice(CHOICES),
            )
        )
    return tuple(questions)


def grade_for(score: float, max_total: float) -> str:
    """The Norwegian percentage method (guidance thresholds)."""
    percent = 100 * score / max_total if max_total else 0.0
    return next((grade for grade, floor in GRADE_FLOORS if percent >= floor), "F")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _question_fields(question: Question) -> dict[str, Any]:
    """A question's own fields, the same in every candidate's line; its values are null."""
    return {
        "ext_inspera_questionId": question.question_id,
        "ext_inspera_questionNumber": question.number,
        "ext_inspera_questionTitle": f"Question {question.number}",
        "ext_inspera_maxQuestionScore": question.max_score,
        "ext_inspera_questionWeight": question.weight,
        **NULL_VALUES,
    }


def _answer(rng: random.Random, question: Question, ability: float) -> dict[str, Any]:
    blank = rng.random() < BLANK_RATE
    if question.essay:
        share = 0.0 if blank else min(1.0, max(0.0, rng.gauss(ability, 0.15)))
        text = None if blank else essay_text(rng, question.question_id)
        return {
            **_question_fields(question),
            "ext_inspera_candidateResponses": [{"ext_inspera_response": text}],
            TRUE_SHARE: share,
        }
    correct = not blank and rng.random() < ability
    choice = question.key if correct else rng.choice([c for c in CHOICES if c != question.key])
    return {
        **_question_fields(question),
        "ext_inspera_autoScore": question.max_score if correct else 0.0,
        "ext_inspera_candidateResponses": [{"ext_inspera_response": None if blank else choice}],
    }


def _half(value: float) -> float:
    return round(value * 2) / 2


def grader_score(true_score: float, max_score: float, *, grader: str, candidate: str, question: str) -> float:
    """One grader's score of one answer: the true score rounded to 0.5, moved by -0.5, 0 or +0.5
    as a hash of (grader, candidate, question) decides, clipped to [0, max]. Pure, so an export
    is the same every time it is assembled."""
    digest = hashlib.sha256(f"{grader}|{candidate}|{question}".encode()).digest()
    offset = GRADER_OFFSETS[digest[0] % len(GRADER_OFFSETS)]
    return min(max_score, max(0.0, _half(true_score) + offset))


def question_score(answer: dict[str, Any]) -> float:
    """The weighted score of an answer: the graders' mean where graded, else the auto score."""
    manual = [float(m["ext_inspera_manualScore"]) for m in answer["ext_inspera_manualScores"] or ()]
    raw = sum(manual) / len(manual) if manual else answer["ext_inspera_autoScore"] or 0.0
    return float(raw) * float(answer["ext_inspera_questionWeight"])


def _graded_answer(answer: dict[str, Any], graders: Sequence[Grader], candidate: str) -> dict[str, Any]:
    out = {k: v for k, v in answer.items() if k != TRUE_SHARE}
    if TRUE_SHARE not in answer or not graders:
        return out
    top = float(answer["ext_inspera_maxQuestionScore"])
    true_score = top * float(answer[TRUE_SHARE])
    question = str(answer["ext_inspera_questionId"])
    out["ext_inspera_manualScores"] = [
        {
            "ext_inspera_manualScore": grader_score(
                true_score, top, grader=g.external_id, candidate=candidate, question=question
            ),
            "ext_inspera_gradingTeacherName": g.name,
        }
        for g in graders
    ]
    return out


def graded_line(line: dict[str, Any], graders: Sequence[Grader]) -> dict[str, Any]:
    """A played line as exported: every essay scored by each of `graders` (none: left unscored,
    its manual scores null), the total and grade following the graders' mean, the hidden true
    shares dropped."""
    if not line["ext_inspera_attendance"]:
        return line
    candidate = str(line["ext_inspera_candidateId"])
    answers = [_graded_answer(a, graders, candidate) for a in line["ext_inspera_questions"]]
    total = round(sum(question_score(a) for a in answers), 2)
    return {
        **line,
        "ext_inspera_totalScore": total,
        "ext_inspera_finalGrade": grade_for(total, max_total(answers)),
        "ext_inspera_questions": answers,
    }


def max_total(questions: Sequence[dict[str, Any]]) -> float:
    """The exam's maximum as the platform states it: each question's max score times its weight."""
    return sum(
        float(q["ext_inspera_maxQuestionScore"]) * float(q["ext_inspera_questionWeight"]) for q in questions
    )


def _line(sitter: Sitter, incident: int, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ext_inspera_candidateId": sitter.candidate_id,
        "ext_inspera_extraTimeMins": sitter.extra_time_mins,
        "ext_inspera_incidentTimeMins": incident,
        "ext_inspera_attendance": False,
        "ext_inspera_totalScore": None,
        "ext_inspera_finalGrade": None,
        "ext_inspera_startTime": None,
        "ext_inspera_endTime": None,
        "ext_inspera_questions": list(questions),
    }


def absent_line(sitter: Sitter, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The export line of a candidate who did not sit the exam: every question of the test listed,
    its values null (`questions` are any candidate's answers, or the questions themselves)."""
    listed = [{**{k: v for k, v in q.items() if k != TRUE_SHARE}, **NULL_VALUES} for q in questions]
    return _line(sitter, 0, listed)


def play_exam(
    sitters: Sequence[Sitter],
    *,
    starts_at: datetime,
    duration_minutes: int,
    seed: int,
    absent_rate: float = 0.05,
    incident_rate: float = 0.03,
    question_count: int = 12,
    copied_pairs: int = 1,
) -> PlayedExam:
    """Plays the exam for every sitter; the same inputs and seed give the same outcome.
    `copied_pairs` pairs of present candidates hand in the same essays (see `plant_copies`)."""
    rng = random.Random(seed)
    questions = make_questions(rng, question_count)
    skeleton = [_question_fields(q) for q in questions]
    top = max_total(skeleton)
    results, absent, incidents = [], 0, 0
    for sitter in sitters:
        if rng.random() < absent_rate:
            absent += 1
            results.append(absent_line(sitter, skeleton))
            continue
        incident = rng.choice((5, 10, 15, 20)) if rng.random() < incident_rate else 0
        incidents += incident > 0
        extra = sitter.extra_time_mins + incident
        line = _line(sitter, incident, [])
        ability = rng.betavariate(2.4, 1.8)
        answers = [_answer(rng, question, ability) for question in questions]
        total = round(sum(question_score(a) for a in answers), 2)
        started = starts_at + timedelta(seconds=rng.uniform(0, 8 * 60))
        deadline = starts_at + timedelta(minutes=duration_minutes + extra)
        ended = min(
            started + timedelta(minutes=(duration_minutes + extra) * rng.uniform(0.55, 1.0)), deadline
        )
        line.update(
            ext_inspera_attendance=True,
            ext_inspera_totalScore=total,
            ext_inspera_finalGrade=grade_for(total, top),
            ext_inspera_startTime=_iso(started),
            ext_inspera_endTime=_iso(ended),
            ext_inspera_questions=answers,
        )
        results.append(line)
    copied = plant_copies(rng, results, copied_pairs)
    return PlayedExam(
        questions=questions, results=tuple(results), absent=absent, incidents=incidents, copied=tuple(copied)
    )


def plant_copies(rng: random.Random, results: Sequence[dict[str, Any]], pairs: int) -> list[tuple[int, int]]:
    """Makes `pairs` candidates who answered every essay (as many as there are pairs of them) copy
    the essays of another such candidate, lightly disguised; returns (source, copier) candidate ids.
    Scores stay each one's own: only the texts the similarity service reads are copied."""
    wrote = [
        line for line in results if line["ext_inspera_attendance"] and all(map(_response, _essays(line)))
    ]
    chosen = rng.sample(wrote, min(2 * pairs, len(wrote) // 2 * 2))
    planted = []
    for source, copier in zip(chosen[::2], chosen[1::2], strict=True):
        for theirs, mine in zip(_essays(source), _essays(copier), strict=True):
            copy = copied_text(rng, str(_response(theirs)))
            mine["ext_inspera_candidateResponses"] = [{"ext_inspera_response": copy}]
        planted.append((source["ext_inspera_candidateId"], copier["ext_inspera_candidateId"]))
    return planted


def _response(answer: dict[str, Any]) -> str | None:
    responses = answer["ext_inspera_candidateResponses"] or [{}]
    return responses[0].get("ext_inspera_response")


def _essays(line: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in line["ext_inspera_questions"] if TRUE_SHARE in a]
