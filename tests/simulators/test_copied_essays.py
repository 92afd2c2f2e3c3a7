"""The played essays, checked by the similarity stand-in over HTTP: independent candidates score low,
the planted copied pair high, and the default threshold flags that pair alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integrations.similarity import SimilarityClient
from models.grading import GradingSettings
from simulators.essays import copied_text, essay_text
from simulators.exam_play import TRUE_SHARE, PlayedExam, Sitter, play_exam
from simulators.server import serve_in_thread
from simulators.similarity import create_app

START = datetime(2027, 1, 11, 9, tzinfo=UTC)
INDEPENDENT_AT_MOST = 15.0  # measured: at most 7.8 % at 30 candidates (16.7 % at 2,000)
COPIED_AT_LEAST = 65.0  # measured: at least 73.5 %


class Clock:
    now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> Iterator[SimilarityClient]:
    with serve_in_thread(create_app(tmp_path / "similarity.db", check_ms=1000, clock=clock)) as url:
        with SimilarityClient(url) as client:
            yield client


def _texts(played: PlayedExam) -> dict[int, str]:
    """Candidate id → their essays in question order, as the grading check sends them."""
    texts = {}
    for line in played.results:
        essays = sorted(
            (q for q in line["ext_inspera_questions"] if TRUE_SHARE in q),
            key=lambda q: q["ext_inspera_questionNumber"],
        )
        written = [_response(q) for q in essays]
        if line["ext_inspera_attendance"] and any(written):
            texts[line["ext_inspera_candidateId"]] = "\n\n".join(t for t in written if t)
    return texts


def _response(answer: dict[str, Any]) -> str | None:
    return (answer["ext_inspera_candidateResponses"] or [{}])[0].get("ext_inspera_response")


def _similarity(service: SimilarityClient, clock: Clock, texts: dict[int, str]) -> dict[int, float]:
    documents = {cid: service.submit(reference=f"exam:{cid}", text=t) for cid, t in texts.items()}
    clock.now += 2
    reports = {cid: service.report(d) for cid, d in documents.items()}
    assert all(r.status == "done" and r.percent is not None for r in reports.values())
    return {cid: float(r.percent or 0.0) for cid, r in reports.items()}


def _sitters(count: int) -> list[Sitter]:
    return [Sitter(1000 + i, ({"authType": "FEIDE", "externalUserId": f"s{i}"},), 0) for i in range(count)]


@pytest.mark.parametrize(("candidates", "seed"), [(30, 11), (7, 3)])
def test_independent_candidates_score_low_and_the_copied_pair_high(
    service: SimilarityClient, clock: Clock, candidates: int, seed: int
) -> None:
    played = play_exam(_sitters(candidates), starts_at=START, duration_minutes=240, seed=seed)
    [(source, copier)] = played.copied
    scores = _similarity(service, clock, _texts(played))
    independent = {cid: s for cid, s in scores.items() if cid not in (source, copier)}
    assert len(independent) >= candidates // 2
    assert max(independent.values()) <= INDEPENDENT_AT_MOST, independent
    assert min(scores[source], scores[copier]) >= COPIED_AT_LEAST, (scores[source], scores[copier])
    threshold = GradingSettings().similarity_threshold
    assert {cid for cid, s in scores.items() if s > threshold} == {source, copier}


def test_no_pair_is_planted_when_none_is_asked_for(service: SimilarityClient, clock: Clock) -> None:
    played = play_exam(_sitters(12), starts_at=START, duration_minutes=240, seed=5, copied_pairs=0)
    assert played.copied == ()
    scores = _similarity(service, clock, _texts(played))
    assert max(scores.values()) <= INDEPENDENT_AT_MOST


def test_the_copier_hands_in_the_sources_essays_and_keeps_their_own_scores() -> None:
    plain = play_exam(_sitters(20), starts_at=START, duration_minutes=240, seed=8, copied_pairs=0)
    planted = play_exam(_sitters(20), starts_at=START, duration_minutes=240, seed=8)
    [(source, copier)] = planted.copied
    lines = {line["ext_inspera_candidateId"]: line for line in planted.results}
    before = {line["ext_inspera_candidateId"]: line for line in plain.results}
    assert _texts(planted)[copier] != _texts(plain)[copier]
    assert _texts(planted)[source] == _texts(plain)[source]
    for cid in (source, copier):
        assert lines[cid]["ext_inspera_totalScore"] == before[cid]["ext_inspera_totalScore"]
        assert [q.get(TRUE_SHARE) for q in lines[cid]["ext_inspera_questions"]] == [
            q.get(TRUE_SHARE) for q in before[cid]["ext_inspera_questions"]
        ]


def test_a_copy_changes_a_few_words_and_independent_answers_differ() -> None:
    rng = random.Random(1)
    source = " ".join(essay_text(rng, 123456789) for _ in range(10))
    copy = copied_text(rng, source)
    words, copied = source.split(" "), copy.split(" ")
    assert (
        len(words) == len(copied)
        and 0 < sum(a != b for a, b in zip(words, copied, strict=True)) < len(words) / 5
    )
    assert essay_text(random.Random(2), 123456789) != essay_text(random.Random(3), 123456789)
