"""What graders and examiners read while grading: their own marks, committee progress, and the
joint report (distribution, thresholds' what-if, per-question statistics, similarity flags).
Built from store/grader_view.py and grading's marks: codes only, never a name."""

from __future__ import annotations

import pandas as pd
from prefect import task

from rules.similarity import Flag
from rules.statistics import bar_chart, grade_distribution, question_statistics
from rules.whatif import what_if
from store import committees, grader_view, grading
from store.db import transaction
from tasks.grading import GradingSummary, exam_thresholds
from tasks.plagiarism import flag_section
from tasks.reports import markdown_table
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.astype(object).where(frame.notna(), "").to_dict("records")


def _distribution_rows(distribution: pd.DataFrame) -> list[dict[str, object]]:
    """The distribution's table, its bars left to the one chart below it."""
    return [
        {"Grade": row.grade, "Candidates": row.count, "Share": f"{row.share:.0%}"}
        for row in distribution.itertuples()
    ]


def _question_rows(stats: pd.DataFrame) -> list[dict[str, object]]:
    """Per-question statistics in words; a question whose better candidates score lower on it
    (negative discrimination) is marked for the examiner to look at its key."""
    return [
        {
            "Question": row.number,
            "Max score": f"{row.max_score:g}",
            "Weight": f"{row.weight:g}",
            "Mean score": _number(row.mean, "{:.2f}"),
            "Mean, share of max": _number(row.mean_share, "{:.0%}"),
            "Full marks, share of candidates": _number(row.full_marks_share, "{:.0%}"),
            "Discrimination (item-rest r)": _number(row.discrimination, "{:.2f}"),
            "Note": "**negative: check the key and the wording**" if row.discrimination < 0 else "",
        }
        for row in stats.itertuples()
    ]


def _number(value: float, form: str) -> str:
    return "" if pd.isna(value) else form.format(value)


@task(name="own-grading-evidence", **REPLAY_SAFE)
def own_evidence(occasion_id: str, committee: str, grader: str, shared: bool) -> str:
    """A grader's own scores for their committee's candidates; the other graders' only when the
    exam shares assessment (graders split the questions)."""
    with transaction() as session:
        graders = committees.grading_committees(session, occasion_id=occasion_id)[committee]
        shown = graders if shared else [grader]
        frame = grader_view.committee_marks(
            session, occasion_id=occasion_id, committee=committee, graders=shown
        )
    whose = "every grader's scores (shared assessment)" if shared else "your own scores only"
    run_logger().info(
        f"{grader} is shown {len(frame)} candidates of {committee} by code, "
        + ("every grader's scores" if shared else "their own scores only")
    )
    return (
        f"**{committee}** of {occasion_id}: {len(frame)} candidates, {whose}; auto points are the "
        f"auto-scored questions' weighted sum.\n\n{markdown_table(_rows(frame), limit=len(frame))}\n\n"
        "Approve to confirm your grading is complete. You may leave notes per candidate and question; "
        "mark a note *for justification* when it should reach a student who asks for the grounds."
    )


@task(name="committee-progress", **REPLAY_SAFE)
def progress_report(occasion_id: str, stage: str) -> str:
    """Committee progress at `stage` (a run asks at two stages: its result is cached per inputs)."""
    with transaction() as session:
        frame = grader_view.committee_progress(session, occasion_id=occasion_id)
    return f"### Committees of {occasion_id}, {stage}\n\n{markdown_table(_rows(frame), limit=len(frame))}"


@task(name="grading-report", **REPLAY_SAFE)
def grading_report(occasion_id: str, summary: GradingSummary, flags: list[Flag], threshold: float) -> str:
    """The joint grading as the approvers see it: distribution (table and chart), thresholds and
    what moving each would change, per-question statistics, committees, similarity flags."""
    with transaction() as session:
        grades = grading.grade_frame(session, occasion_id=occasion_id)
        marks = grading.exam_marks(session, occasion_id=occasion_id)
        thresholds = exam_thresholds(session, occasion_id)
        progress = grader_view.committee_progress(session, occasion_id=occasion_id)
    graded = grades[grades.grade_status == "proposed"]
    distribution = grade_distribution(graded.grade, thresholds.scale)
    parts = [
        f"### Grades of {occasion_id}\n\n{summary.graded} graded, {summary.absent} absent"
        + (f", out of {summary.max_points:g} points" if summary.max_points else "")
        + (f". **{summary.unscored} answers have no grader's score.**" if summary.unscored else "."),
        markdown_table(_distribution_rows(distribution), limit=20),
        bar_chart(distribution),
        "#### Thresholds\n\n"
        + ", ".join(f"{g} ≥ {p:g} %" for g, p in thresholds.minimums.items())
        + f" (percent rounded half up to {thresholds.decimals} decimals).",
    ]
    if summary.max_points and not graded.points.isna().all():
        points = graded.set_index("registration_id").points
        table = what_if(points, summary.max_points, thresholds)
        moves = table.pivot_table(index="grade", columns="move", values="change", aggfunc="first", sort=False)
        moves.columns = [f"{m:+g} pp" for m in moves.columns]
        parts.append(
            "#### What if a boundary moved\n\n" + markdown_table(_rows(moves.reset_index()), limit=20)
        )
        stats = question_statistics(marks)
        parts.append("#### Questions\n\n" + markdown_table(_question_rows(stats), limit=len(stats)))
    parts.append("#### Committees\n\n" + markdown_table(_rows(progress), limit=len(progress)))
    parts.append(flag_section(flags, threshold))
    return "\n\n".join(parts)
