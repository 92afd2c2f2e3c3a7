"""Results checked against attendance before they go to the register.

Source: the vendors' transfer guidance (docs/domain.md, "The phases"): no grade for a no-show, a
grade for everyone who submitted. The transfer can run once only, so it must not start until both hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.domain import AttendanceStatus

COLUMNS = ["candidate_code", "attendance", "grade"]


@dataclass(frozen=True)
class AttendanceReport:
    """Offending candidate codes by reason, each list sorted."""

    submitted_without_grade: list[str]
    graded_without_submission: list[str]

    @property
    def ok(self) -> bool:
        return not self.submitted_without_grade and not self.graded_without_submission


def check_attendance(results: pd.DataFrame) -> AttendanceReport:
    """`results` has one row per candidate: candidate_code, attendance ("submitted"/"absent") and
    grade (empty or missing when none)."""
    missing = [c for c in COLUMNS if c not in results.columns]
    if missing:
        raise ValueError(f"results lack column(s) {', '.join(missing)}")
    allowed = {s.value for s in AttendanceStatus}
    unknown = ~results["attendance"].isin(allowed)
    if unknown.any():
        row = results.loc[unknown].iloc[0]
        raise ValueError(
            f"candidate {row['candidate_code']} has attendance {row['attendance']!r}, "
            f"expected one of {', '.join(sorted(allowed))}"
        )
    grade = results["grade"].astype("string").str.strip()
    graded = grade.notna() & (grade != "")
    submitted = results["attendance"] == AttendanceStatus.SUBMITTED.value
    return AttendanceReport(
        submitted_without_grade=_codes(results, submitted & ~graded),
        graded_without_submission=_codes(results, ~submitted & graded),
    )


def _codes(results: pd.DataFrame, mask: pd.Series) -> list[str]:
    return sorted(results.loc[mask, "candidate_code"].astype(str))
