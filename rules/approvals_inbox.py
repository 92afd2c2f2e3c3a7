"""The approvals inbox: every approval still waiting, as the rows of a table a person reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.approvals import OpenApproval
from rules.exam_names import run_link

TIME = "%Y-%m-%d %H:%M UTC"


def inbox_rows(
    waiting: Sequence[OpenApproval], exams: Mapping[str, str], ui_url: str | None
) -> list[dict[str, str]]:
    """One row per open approval: the exam (by `exams`, occasion uid → its name, else the uid),
    what it asks, of which role and whom, since and until when, and the waiting run's page."""
    return [
        {
            "Exam": exams.get(a.occasion_id, a.occasion_id),
            "What it asks": a.title
            + (" (locked: only a code from the newest mail is taken)" if a.locked else ""),
            "Role": a.role.value.replace("_", " "),
            "Who may answer": ", ".join(a.approvers),
            "Waiting since": f"{a.since:{TIME}}",
            "Open until": f"{a.until:{TIME}}",
            "Waiting run": (run_link(ui_url, a.flow_run_id) or a.flow_run_id) if a.flow_run_id else "no run",
        }
        for a in waiting
    ]


def inbox_description(count: int) -> str:
    """The text above the table."""
    if count == 0:
        return "Approvals inbox: no approval is waiting."
    waits = "one approval waits" if count == 1 else f"{count} approvals wait"
    return (
        f"Approvals inbox: {waits} for an answer. Open the waiting run's page, choose Resume and fill "
        "in the form with the one-time code mailed to you."
    )
