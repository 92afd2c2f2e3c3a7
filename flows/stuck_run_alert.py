"""stuck-run-alert: started by the stack's automations when a run of an exam's flow fails, crashes
or waits suspended past its reminder; mails the exam's coordinators with the link to the run."""

from __future__ import annotations

from prefect import flow

from tasks.stuck_runs import tell_coordinators


@flow(name="stuck-run-alert")
def stuck_run_alert(flow_run_id: str) -> list[str]:
    return tell_coordinators(flow_run_id)
