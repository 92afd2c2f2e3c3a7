"""Which answers the similarity service checks, and which of its reports flag a candidate for the
examiner (never a penalty: the examiner reads the flagged answers and decides)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.domain import Frozen, SimilarityReport
from models.results import CandidateResult


class Flag(Frozen):
    """A candidate whose text answers the service found elsewhere above the threshold."""

    code: str
    percent: float


def candidate_texts(results: Sequence[CandidateResult], held: Mapping[str, int]) -> dict[int, str]:
    """Registration id → the candidate's text answers (the responses of questions that have no
    auto score), in question order; attended candidates who wrote something only."""
    texts = {}
    for result in results:
        if not result.attended:
            continue
        questions = sorted((q for q in result.questions if q.auto_score is None), key=lambda q: q.number)
        text = "\n\n".join(r for q in questions for r in q.responses if r.strip())
        if text:
            texts[held[result.external_user_id]] = text
    return texts


def flags_for(
    reports: Mapping[int, SimilarityReport], codes: Mapping[int, str], threshold: float
) -> list[Flag]:
    """The done reports above `threshold` percent, highest first, as anonymisation codes."""
    flags = [
        Flag(code=codes[rid], percent=r.percent)
        for rid, r in reports.items()
        if rid in codes and r.status == "done" and r.percent is not None and r.percent > threshold
    ]
    return sorted(flags, key=lambda f: (-f.percent, f.code))
