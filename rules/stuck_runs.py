"""What a coordinator is told of a run of their exam that stopped (failed or crashed) or waits
suspended past its reminder: which exams a run concerns, and the mail's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# A run's state type, as Prefect names it, and what it means to the coordinator.
STUCK = {
    "FAILED": "failed",
    "CRASHED": "crashed (its process ended without finishing it)",
    "PAUSED": "is still waiting for an approval",
}


@dataclass(frozen=True)
class StuckRun:
    run_id: str
    run_name: str
    flow: str
    state_type: str  # FAILED, CRASHED or PAUSED
    state_message: str
    since: datetime
    link: str  # the run in the Prefect UI


def occasions_named(parameters: Mapping[str, Any]) -> list[str]:
    """The occasion uids a run's parameters name (`occasion_uid`, `occasion_uids`, at any depth),
    in order, each once."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "occasion_uid" and isinstance(item, str):
                    found.append(item)
                elif key == "occasion_uids" and isinstance(item, list):
                    found.extend(i for i in item if isinstance(i, str))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(parameters)
    return list(dict.fromkeys(found))


def subject(run: StuckRun) -> str:
    what = "waits for an approval" if run.state_type == "PAUSED" else run.state_type.lower()
    return f"[examflow] A run {what}: {run.flow} ({run.run_name})"


def body(run: StuckRun, *, recipient: str, occasions: list[str]) -> str:
    exams = ", ".join(occasions) if occasions else "every exam it reaches (it names none)"
    what = STUCK[run.state_type]
    then = f"at {run.since:%Y-%m-%d %H:%M} UTC"
    if run.state_type == "PAUSED":
        then = f"since {run.since:%Y-%m-%d %H:%M} UTC, past the reminder to its approvers"
        todo = "see what it asks and who holds the code, and ask them to answer it"
    else:
        todo = "read its logs, and start it again (Retry) once what stopped it is put right"
    said = f"Prefect says: {run.state_message}\n" if run.state_message else ""
    return (
        f"Hello {recipient},\n\n"
        f"The run {run.run_name} of {run.flow}, for {exams}, {what} {then}.\n{said}\n"
        f"Open {run.link} to {todo}.\n"
    )
