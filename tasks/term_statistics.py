"""The term in numbers: the store read in bulk, the figures computed on frames, written as CSV and
SVG files for a report and shown as one markdown artifact with its charts inline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from prefect import task

from formats.svg_charts import grouped_bars, markdown_image, stacked_bars
from models.settings import get_settings
from rules import term_statistics as stats
from rules.digital_share import term_days
from store import term_statistics as read
from store.db import transaction
from tasks.reports import artifact_key, markdown_table
from tasks.run_logs import run_logger


@dataclass(frozen=True)
class TermFigures:
    term: str
    tables: dict[str, pd.DataFrame]  # by file name, without .csv
    charts: dict[str, str]  # SVG by file name, without .svg
    headline: str


@task(name="compute-term-statistics")
def term_figures(term: str, today: date) -> TermFigures:
    term_days(term)  # a ValueError naming the term, before anything is read
    with transaction() as session:
        sittings = stats.with_terms(read.sittings(session))
        grades, appeals, published = read.grades(session), read.appeals(session), read.published(session)
    terms = stats.terms_up_to(sittings, term)
    overview = stats.overview(sittings, grades, terms)
    shares = stats.digital_shares(sittings, terms)
    distributions = stats.grade_distributions(sittings, grades, terms)
    times = stats.result_times(sittings, published, term, today)
    tables = {
        "overview": overview,
        "digital-share": shares,
        "grade-distributions": distributions,
        "pass-rates": stats.pass_rates(sittings, grades, terms),
        "appeals": stats.appeal_rates(sittings, grades, appeals, terms),
        "results-on-time": times,
        "late-results": stats.late_results(times),
    }
    headline = stats.headline(term, overview.iloc[-1].to_dict(), shares.iloc[-1].to_dict(), times)
    run_logger().info(headline)
    return TermFigures(term, tables, _charts(term, shares, distributions), headline)


def _charts(term: str, shares: pd.DataFrame, distributions: pd.DataFrame) -> dict[str, str]:
    charts = {
        "digital-share": grouped_bars(
            f"Digital share by term, up to {term}",
            list(shares["Term"]),
            {
                "Sittings on the platform": list(shares["Share of sittings (%)"]),
                "Registrations on the platform": list(shares["Share of registrations (%)"]),
            },
        )
    }
    for course, of_course in distributions.groupby("Course", sort=True):
        wide = stats.distribution_table(of_course, share=True)
        grades = [c for c in wide.columns if c not in ("Term", "Candidates")]
        charts[artifact_key("grades", str(course))] = stacked_bars(
            f"{course}: grades by term (share of candidates)",
            list(wide["Term"]),
            {g: list(wide[g]) for g in grades},
        )
    return charts


@task(name="write-term-statistics")
def write_files(figures: TermFigures) -> Path:
    """A CSV per table and an SVG per chart under $EXAMFLOW_HOME/statistics/<term>/."""
    folder = get_settings().home / "statistics" / figures.term
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in figures.tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)
    for name, svg in figures.charts.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    run_logger().info(f"Wrote {len(figures.tables)} tables and {len(figures.charts)} charts to {folder}")
    return folder


def statistics_markdown(figures: TermFigures, folder: Path) -> str:
    tables, charts = figures.tables, figures.charts
    parts = [
        f"# {figures.term} in numbers",
        figures.headline + ".",
        "## Exams",
        _rows(tables["overview"]),
        "## Digital share",
        "Sittings and registrations on the platform against all.",
        _rows(tables["digital-share"]),
        markdown_image("Digital share by term", charts["digital-share"]),
        "## Results against the deadline",
        "Norway: 3 weeks after the exam (the law); Sweden: 15 working days (the universities' rules).",
        _rows(tables["results-on-time"]),
        "### Late results",
        _rows(tables["late-results"]),
        "## Pass rates",
        _rows(tables["pass-rates"]),
        "## Appeals",
        _rows(tables["appeals"]),
        "## Grade distributions by course",
        *_distributions(tables["grade-distributions"], charts),
        f"The tables (CSV) and charts (SVG) are in `{folder}`.",
    ]
    return "\n\n".join(parts)


def _distributions(distributions: pd.DataFrame, charts: dict[str, str]) -> list[str]:
    parts = []
    for course, of_course in distributions.groupby("Course", sort=True):
        parts += [f"### {course}", _rows(stats.distribution_table(of_course, share=False))]
        parts.append(markdown_image(f"{course}: grades by term", charts[artifact_key("grades", str(course))]))
    return parts or ["_(no grades given)_"]


def _rows(table: pd.DataFrame) -> str:
    cells = table.astype(object).where(table.notna(), "")
    return markdown_table(cells.to_dict("records"))
