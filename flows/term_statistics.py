"""term-statistics: the term in numbers for the exam office, each night: exams and sittings,
registrations, the digital share, grade distributions per course across years, pass rates, appeals
and their outcomes, and results against their deadline with the late ones named; as a markdown
artifact with its charts, and as CSV and SVG files for a report."""

from __future__ import annotations

from prefect import flow

from rules.digital_share import term_of
from rules.exam_times import STOCKHOLM
from tasks.clock import now
from tasks.reports import artifact_key, publish_markdown
from tasks.run_logs import run_logger
from tasks.term_statistics import statistics_markdown, term_figures, write_files


@flow(name="term-statistics", log_prints=False)
def term_statistics(term: str = "") -> str:
    """`term` such as VT2026 or HT2026; empty: the term of today."""
    today = now().astimezone(STOCKHOLM).date()
    chosen = term or term_of(today)
    figures = term_figures(chosen, today)
    folder = write_files(figures)
    publish_markdown(
        artifact_key("term-statistics", chosen),
        statistics_markdown(figures, folder),
        f"{chosen} in numbers: exams, digital share, grades, appeals and results against the deadline",
    )
    run_logger().info(figures.headline)
    return figures.headline
