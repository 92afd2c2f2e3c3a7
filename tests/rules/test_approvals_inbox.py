"""The approvals inbox's rows: each open approval in words, with its waiting run's page."""

from __future__ import annotations

from datetime import UTC, datetime

from models.approvals import OpenApproval
from models.domain import Role
from rules.approvals_inbox import inbox_description, inbox_rows


def waiting(
    number: int, *, occasion: str = "occ-1", run: str | None = "run-1", locked: bool = False
) -> OpenApproval:
    return OpenApproval(
        approval_id=number,
        occasion_id=occasion,
        title=f"Approve the plan of exam {number}",
        role=Role.COURSE_RESPONSIBLE,
        approvers=("staff-course-1", "staff-course-2"),
        since=datetime(2026, 12, 3, 8, 5, tzinfo=UTC),
        until=datetime(2026, 12, 10, 8, 5, tzinfo=UTC),
        flow_run_id=run,
        locked=locked,
    )


def test_the_inbox_lists_each_open_approval_in_words_with_its_runs_page() -> None:
    rows = inbox_rows(
        [waiting(1), waiting(2, occasion="occ-2", run=None, locked=True)],
        {"occ-1": "SF1625 TEN1 2026-12-03"},
        "http://ui:4200",
    )
    assert rows[0] == {
        "Exam": "SF1625 TEN1 2026-12-03",
        "What it asks": "Approve the plan of exam 1",
        "Role": "course responsible",
        "Who may answer": "staff-course-1, staff-course-2",
        "Waiting since": "2026-12-03 08:05 UTC",
        "Open until": "2026-12-10 08:05 UTC",
        "Waiting run": "http://ui:4200/v2/runs/flow-run/run-1",
    }
    assert rows[1]["Exam"] == "occ-2"  # not planned in examflow: its uid
    assert rows[1]["Waiting run"] == "no run"
    assert rows[1]["What it asks"].endswith("(locked: only a code from the newest mail is taken)")
    assert inbox_rows([waiting(1)], {}, None)[0]["Waiting run"] == "run-1"
    assert inbox_description(0) == "Approvals inbox: no approval is waiting."
    assert inbox_description(1).startswith("Approvals inbox: one approval waits for an answer.")
    assert inbox_description(3).startswith("Approvals inbox: 3 approvals wait for an answer.")
