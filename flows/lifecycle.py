"""lifecycle: one exam from plan to archive. No process waits between phases: each phase, when
done, starts the next one's deployment (plan → sync → exam day → grading → transfer → archive of the
closed case); approvals on the way suspend their own runs, and an exam whose window for
justifications and appeals is still open is archived by the nightly `archive-closed-cases`."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.params import Lifecycle
from tasks.chaining import start_phase
from tasks.exam_names import key_of, name_run, title_of
from tasks.reports import publish_markdown

PHASES = ("plan-exam", "registration-sync", "exam-day", "grading", "result-transfer", "archive-closed-cases")


@flow(name="lifecycle", flow_run_name=name_run)
def lifecycle(params: Lifecycle) -> str:
    run_id = start_phase(
        "plan-exam",
        {
            "params": {
                "occasion_uid": params.occasion_uid,
                "country": params.country,
                "code_prefix": params.code_prefix,
                "times": params.times.model_dump(mode="json"),
                "chain": True,
            }
        },
    )
    get_run_logger().info(
        f"Lifecycle of {params.occasion_uid} begun with plan-exam (flow run {run_id}); each phase starts the next"
    )
    publish_markdown(
        key_of("lifecycle", params.occasion_uid, params.country),
        f"### Lifecycle of {title_of(params.occasion_uid, params.country)}\n\nPhases, each started by the one before: "
        + " → ".join(PHASES)
        + f"\n\nFirst phase: flow run `{run_id}`.",
        f"Lifecycle of {title_of(params.occasion_uid, params.country)}",
    )
    return run_id
