"""How one exam is graded: its committees, thresholds, approvals and plagiarism threshold."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from models.domain import Frozen


class JointApproval(StrEnum):
    """Who approves the joint grading once every grader has approved their own."""

    ONE = "one"
    ALL = "all"


class CommitteeRule(Frozen):
    """The composition every grading committee of the exam must meet."""

    graders: int = Field(default=2, ge=1, le=6, description="graders in each committee")
    min_external: int = Field(default=0, ge=0, le=6, description="of whom at least this many are external")
    candidates_per_committee: int = Field(
        default=150, ge=1, description="at most this many candidates per committee"
    )


class GradingSettings(Frozen):
    """Set when the exam is planned; a grading run may replace them until grades are approved."""

    thresholds: dict[str, float] | None = Field(
        default=None, description="grade -> minimum percent; empty means the scale's default"
    )
    decimals: int = Field(default=2, ge=0, le=6, description="the percent is rounded half up to this")
    committee: CommitteeRule = Field(default_factory=CommitteeRule)
    joint_approval: JointApproval = Field(
        default=JointApproval.ONE, description="one grader, or all, approve the joint grading"
    )
    shared_assessment: bool = Field(
        default=False,
        description="graders split the questions between them, so they may see each other's marks",
    )
    similarity_threshold: float = Field(
        default=40.0, ge=0, le=100, description="similarity percent above which a paper is flagged"
    )


# The columns of an exam's marks as rescoring reads them (one row per candidate and question).
MARK_COLUMNS = (
    "registration_id",
    "anonymisation_code",
    "question_id",
    "number",
    "kind",
    "max_score",
    "weight",
    "accepted",
    "auto_score",
    "manual_score",
    "response",
    "score",
    "grade",
)

# The exam's questions as a rescore reads them, and the columns of one question's marks.
QUESTION_COLUMNS = ("question_id", "number", "kind", "max_score", "weight", "accepted")
QUESTION_MARK_COLUMNS = ("registration_id", "auto_score", "manual_score", "response", "score")
