"""Checking the platform's results export before it is imported: whose line is whose, who graded,
and whether our sums agree with the totals the platform states.

Candidates are matched by the platform's own candidate id through the test's candidate list (the
export carries no register id); the export's `student.sourcedId`, where given, must agree. Graders
are named in the export by name only, resolved through the graders registered for the exam. Each
candidate's points, as we sum them, must equal the platform's `ext_inspera_totalScore`, and our
maximum its `ext_inspera_maxTotalScore`: a difference in how weights or several graders' scores
are applied would otherwise change grades silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from models.domain import PlatformCandidate
from models.results import CandidateResult, QuestionResult, ResultsExport

TOLERANCE = 0.005  # the platform states totals to two decimals


class ResultsMismatch(ValueError):
    """The export does not fit the test's candidates; the message names each one."""


def match_candidates(export: ResultsExport, listed: Sequence[PlatformCandidate]) -> ResultsExport:
    """The export with each line's register id taken from the test's candidate list."""
    register_ids = {c.candidate_id: c.external_user_id for c in listed}
    unknown = sorted(r.candidate_id for r in export.candidates if r.candidate_id not in register_ids)
    if unknown:
        raise ResultsMismatch(f"the export names candidates the test does not list: {', '.join(unknown)}")
    differing = [
        f"candidate {r.candidate_id}: export {r.sourced_id}, candidate list {register_ids[r.candidate_id]}"
        for r in export.candidates
        if r.sourced_id is not None and r.sourced_id != register_ids[r.candidate_id]
    ]
    if differing:
        raise ResultsMismatch("the export's student ids differ from the test's: " + "; ".join(differing))
    matched = [
        r.model_copy(update={"external_user_id": register_ids[r.candidate_id]}) for r in export.candidates
    ]
    return export.model_copy(update={"candidates": tuple(matched)})


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Graders:
    """Each name of the export resolved to a staff id, and the names that could not be, each with
    the (candidate id, question number) pairs it scored."""

    staff_ids: dict[str, str]
    unknown: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def resolve_graders(export: ResultsExport, registered: Mapping[str, str]) -> Graders:
    """`registered` maps the exam's graders' staff ids to their names. A name that no grader has,
    or that two graders share, is unknown."""
    by_name: dict[str, list[str]] = {}
    for staff_id, name in registered.items():
        by_name.setdefault(_key(name), []).append(staff_id)
    staff_ids: dict[str, str] = {}
    unknown: dict[str, list[tuple[str, int]]] = {}
    for result in export.candidates:
        for question in result.questions:
            for score in question.manual_scores:
                found = by_name.get(_key(score.grader_name), [])
                if len(found) == 1:
                    staff_ids[score.grader_name] = found[0]
                else:
                    unknown.setdefault(score.grader_name, []).append((result.candidate_id, question.number))
    return Graders(staff_ids, unknown)


@dataclass(frozen=True)
class TotalDifference:
    candidate_id: str
    ours: float
    platform: float | None
    questions: tuple[QuestionResult, ...]


@dataclass(frozen=True)
class Reconciliation:
    differences: list[TotalDifference]
    max_ours: float
    max_platform: float

    @property
    def max_differs(self) -> bool:
        return abs(self.max_ours - self.max_platform) > TOLERANCE

    @property
    def agrees(self) -> bool:
        return not self.differences and not self.max_differs


def reconcile(export: ResultsExport, points: Mapping[str, float], max_points: float) -> Reconciliation:
    """Compares our points (by candidate id, for those who attended) and maximum with the platform's."""
    differences = [
        TotalDifference(r.candidate_id, points.get(r.candidate_id, 0.0), r.total_score, r.questions)
        for r in export.candidates
        if r.attended and _differs(points.get(r.candidate_id, 0.0), r.total_score)
    ]
    return Reconciliation(differences, max_points, export.max_total_score)


def _differs(ours: float, platform: float | None) -> bool:
    return platform is None or abs(ours - platform) > TOLERANCE


def exam_maximum(results: Sequence[CandidateResult]) -> float:
    """The maximum of the exam: each question's max score times its weight, once per question."""
    questions = {q.question_id: q for r in results for q in r.questions}
    return sum(q.max_score * q.weight for q in questions.values())


def summary(check: Reconciliation, graders: Graders) -> str:
    """Why the export is refused, in one line."""
    reasons = []
    if check.differences:
        reasons.append(
            f"{len(check.differences)} candidates' summed points differ from the platform's totals"
        )
    if check.max_differs:
        reasons.append(
            f"the exam's maximum is {check.max_ours:g} by our sum, {check.max_platform:g} by the platform"
        )
    if graders.unknown:
        reasons.append(f"{len(graders.unknown)} grader names match no grader of the exam")
    return ", ".join(reasons)


def _figure(value: float | None) -> str:
    return "none stated" if value is None else f"{value:g}"


def _question_line(q: QuestionResult) -> str:
    manual = [f"{m.score:g} ({m.grader_name})" for m in q.manual_scores]
    scored = f"manual {', '.join(manual)}" if manual else f"auto {_figure(q.auto_score)}"
    return f"question {q.number} (id {q.question_id}): {scored}, weight {q.weight:g}, max {q.max_score:g}"


def report(occasion_id: str, check: Reconciliation, graders: Graders, codes: Mapping[str, str]) -> str:
    """Markdown for a person: each difference with both figures and the questions involved, and
    each grader name the exam does not know. `codes` gives a candidate id's anonymisation code."""
    lines = [f"# The results export of {occasion_id} was not imported", ""]
    if check.max_differs:
        lines += [
            f"The exam's maximum differs: ours {check.max_ours:g}, the platform's {check.max_platform:g}.",
            "",
        ]
    if check.differences:
        lines += [f"## {len(check.differences)} candidates' totals differ from the platform's", ""]
    for d in check.differences:
        lines.append(
            f"- candidate {d.candidate_id} ({codes.get(d.candidate_id, 'no code')}): our sum {d.ours:g},"
            f" the platform's total {_figure(d.platform)}"
        )
        lines += [f"  - {_question_line(q)}" for q in d.questions]
    if graders.unknown:
        lines += ["", f"## {len(graders.unknown)} grader names match no grader of this exam", ""]
        for name, where in sorted(graders.unknown.items()):
            places = ", ".join(f"candidate {c} question {n}" for c, n in where[:20])
            lines.append(f"- {name}: {len(where)} scores ({places}{', ...' if len(where) > 20 else ''})")
    return "\n".join(lines) + "\n"
