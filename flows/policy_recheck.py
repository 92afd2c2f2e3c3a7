"""policy-recheck: after a change of scenario, every exam planned from the new scenario's start
judged again by the exam policy; the ones that now break the rules listed for a person, and the
extra distance sittings now required planned."""

from __future__ import annotations

from prefect import flow

from models.params import PolicyRecheck
from tasks.exam_policy import latest_start, recheck_planned_exams
from tasks.reports import artifact_key, publish_table
from tasks.run_logs import run_logger


@flow(name="policy-recheck", log_prints=False)
def policy_recheck(params: PolicyRecheck) -> str:
    since = params.since or latest_start()
    rows = recheck_planned_exams(since)
    breaking = sum(r["breaks the rules"] == "YES" for r in rows)
    planned = sum(r["extra distance sitting"].startswith("planned now") for r in rows)
    publish_table(
        artifact_key("policy-recheck", since.isoformat()),
        rows,
        f"Exams planned from {since} under the exam policy: {breaking} of {len(rows)} break the rules; "
        f"{planned} extra distance sittings planned now (recorded in examflow as required, each with "
        "the scenario that requires it; the exam office sets their days and register occasions)",
    )
    outcome = f"{len(rows)} exams planned from {since} checked: {breaking} break the rules, {planned} extra sittings planned"
    run_logger().info(outcome)
    return outcome
