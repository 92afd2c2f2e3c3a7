"""Artifacts a person reads in the Prefect UI: tables and markdown, keyed per occasion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from rules.exam_names import artifact_key as artifact_key  # where every task takes it from
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


# Published from tasks, so a run replayed after suspension does not publish its reports again.
@task(name="publish-report", **REPLAY_SAFE)
def publish_markdown(key: str, markdown: str, description: str) -> str:
    artifact = str(create_markdown_artifact(key=key, markdown=markdown, description=description))
    run_logger().info(f"Published the report '{description}' (artifact {key})")
    return artifact


@task(name="publish-table", **REPLAY_SAFE)
def publish_table(key: str, rows: Sequence[dict[str, Any]], description: str) -> str:
    artifact = str(create_table_artifact(key=key, table=list(rows), description=description))
    run_logger().info(f"Published a table of {len(rows)} rows as the artifact {key}")
    return artifact


def markdown_table(rows: Sequence[dict[str, Any]], limit: int = 50) -> str:
    """A markdown table of the first `limit` rows (the count of the rest is said below it); its
    headers in words (`extra_time` → `extra time`)."""
    if not rows:
        return "_(none)_"
    head = list(rows[0])
    lines = ["| " + " | ".join(c.replace("_", " ") for c in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in head) + " |" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n…and {len(rows) - limit} more.")
    return "\n".join(lines)
