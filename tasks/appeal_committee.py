"""The appeal committee's grade: each member's own grade per round, settled by the rule."""

from __future__ import annotations

from prefect import task

from rules.appeal_committee import CommitteeDeadlock, Settlement, settle, shown
from rules.grades import Scale
from store import audit, occasions
from store.db import transaction
from store.schema import Staff
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

OUTCOMES = {
    "agreed": "agreed on {}",
    "external": "still differ; the external member's {} stands",
    "differ": "differ: the difference is shown to them for the joint form",
}


@task(name="settle-appeal-committee", **REPLAY_SAFE)
def settle_committee(
    occasion_id: str, appeal_id: int, stage: str, round: int, grades: dict[str, str]
) -> Settlement:
    """The committee's grade after one round of its members' own grades, audited. A committee that
    still differs on its joint form with no one external grade to stand is refused, the refusal
    audited in its own transaction; a grade off the scale is refused and nothing written."""
    detail = {"appeal_id": appeal_id, "stage": stage, "round": round, "grades": dict(sorted(grades.items()))}
    with transaction() as session:
        scale = Scale(occasions.get(session, occasion_id).scale)
        for member, grade in grades.items():
            if grade not in scale.grades:
                raise ValueError(
                    f"appeal {appeal_id}, {member}: the grade {grade} is not on the scale {scale.value}"
                )
        external = {m for m in grades if (s := session.get(Staff, m)) is not None and s.external}
    try:
        settlement = settle(grades, round=round, external=external)
    except CommitteeDeadlock as exc:
        _audit(occasion_id, "appeal.committee_deadlocked", {**detail, "reason": str(exc)})
        run_logger().info(f"The {stage} committee of appeal {appeal_id} is refused: {exc}")
        raise
    _audit(
        occasion_id,
        "appeal.committee_graded",
        {**detail, "outcome": settlement.how, "grade": settlement.grade},
    )
    run_logger().info(
        f"The {stage} committee of appeal {appeal_id}, round {round} ({shown(grades)}): "
        + OUTCOMES[settlement.how].format(settlement.grade)
    )
    return settlement


def _audit(occasion_id: str, action: str, detail: dict[str, object]) -> None:
    with transaction() as session:
        audit.record(session, actor="examflow", action=action, occasion_id=occasion_id, detail=detail)
