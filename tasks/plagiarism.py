"""Plagiarism checks: each candidate's text answers go to the similarity service, and those whose
text is found elsewhere above a threshold are flagged for the examiner (never penalised here).

The reports are stored as they arrive (pending ones too, with their document id), so a rerun
after a crash or a timeout polls what was submitted instead of submitting it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prefect import task

from integrations.protocols import SimilarityService
from models.domain import SimilarityReport
from rules.similarity import Flag, candidate_texts, flags_for
from store import registrations, similarity
from store.db import transaction
from tasks import platform_results
from tasks.clock import now
from tasks.reports import markdown_table
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems

K = TypeVar("K")

POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 600.0
WORKERS = 8


class SimilarityTimeout(Exception):
    """Reports were still pending when the wait ran out; a rerun polls them again."""


def flag_section(flags: Sequence[Flag], threshold: float) -> str:
    """The markdown the grading artifact shows."""
    if not flags:
        found = f"none above {threshold:g} % similarity."
    else:
        rows = [{"code": f.code, "similarity": f"{f.percent:g} %"} for f in flags]
        found = f"{len(flags)} above {threshold:g} % similarity.\n\n{markdown_table(rows)}\n"
    return (
        f"### Similarity check\n\nFlagged for the examiner: {found}\n"
        "No automatic penalty: the examiner reads the flagged answers and decides."
    )


def submit_documents(
    client: SimilarityService, occasion_id: str, texts: Mapping[int, str], codes: Mapping[int, str]
) -> dict[int, SimilarityReport]:
    """Submits one document per registration (reference `occasion:code`); answers them pending."""
    ids = list(texts)
    with ThreadPoolExecutor(WORKERS) as pool:
        documents = pool.map(
            lambda rid: client.submit(reference=f"{occasion_id}:{codes[rid]}", text=texts[rid]), ids
        )
        return {
            rid: SimilarityReport(document_id=d, status="pending")
            for rid, d in zip(ids, documents, strict=True)
        }


def await_reports(
    client: SimilarityService,
    pending: Mapping[K, str],
    *,
    timeout: float = TIMEOUT_SECONDS,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[K, SimilarityReport]:
    """Polls the documents (key → document id) until every report is done; raises
    SimilarityTimeout naming the ones still pending once `timeout` seconds have passed."""
    deadline = clock() + timeout
    waiting = dict(pending)
    done: dict[K, SimilarityReport] = {}
    with ThreadPoolExecutor(WORKERS) as pool:
        while True:
            polled = zip(waiting, pool.map(client.report, waiting.values()), strict=True)
            done |= {key: report for key, report in polled if report.status == "done"}
            waiting = {key: d for key, d in waiting.items() if key not in done}
            if not waiting:
                return done
            if clock() >= deadline:
                raise SimilarityTimeout(
                    f"{len(waiting)} of {len(pending)} similarity reports still pending after {timeout:g} s "
                    f"(documents {', '.join(sorted(waiting.values())[:5])}); run the check again later: "
                    "what was submitted is kept and not submitted again"
                )
            sleep(interval)


@task(name="check-similarity", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def check_similarity(occasion_id: str, threshold: float) -> list[Flag]:
    """Checks the text answers of every attended candidate and returns those above `threshold`
    percent similarity. Candidates with a stored report (done or pending) are not resubmitted."""
    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be a percent between 0 and 100, got {threshold}")
    results, held = platform_results.registered_results(occasion_id)
    texts = candidate_texts(results, held)
    with transaction() as session:
        stored = similarity.load(session, occasion_id=occasion_id)
        codes = {
            r.id: r.anonymisation_code for r in registrations.registered(session, occasion_id=occasion_id)
        }
    new = {rid: text for rid, text in texts.items() if rid not in stored}
    with systems().similarity() as client:
        submitted = submit_documents(client, occasion_id, new, codes)
        _save(occasion_id, submitted)
        reports = {**stored, **submitted}
        pending = {rid: r.document_id for rid, r in reports.items() if r.status != "done"}
        done = await_reports(client, pending)
    _save(occasion_id, done)
    flags = flags_for({**reports, **done}, codes, threshold)
    run_logger().info(
        f"Similarity of {occasion_id}: {len(texts)} papers with text answers, {len(new)} submitted now; "
        f"{len(flags)} above {threshold:g} % flagged for the examiner"
    )
    return flags


def _save(occasion_id: str, reports: Mapping[int, SimilarityReport]) -> None:
    if reports:
        with transaction() as session:
            similarity.save(session, occasion_id=occasion_id, reports=reports, checked_at=now())
