"""The approvals inbox: a table artifact, under one key, of every approval still waiting."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_UI_URL

from rules.approvals_inbox import inbox_description, inbox_rows
from store import approvals
from store.db import transaction
from tasks.exam_names import planned_exam
from tasks.run_logs import run_logger

INBOX_KEY = "approvals-inbox"


def inbox() -> tuple[list[dict[str, str]], str]:
    """The inbox's rows and the text above them, read from our store now."""
    with transaction() as session:
        waiting = approvals.open_approvals(session)
    exams: dict[str, str] = {}
    for uid in {a.occasion_id for a in waiting}:
        exam = planned_exam(uid)
        if exam is not None:
            exams[uid] = exam.label
    return inbox_rows(waiting, exams, PREFECT_UI_URL.value()), inbox_description(len(waiting))


@task(name="publish-approvals-inbox", cache_policy=NO_CACHE, persist_result=False)
def publish_inbox() -> int:
    """Publishes the inbox as a new version of the `approvals-inbox` artifact; returns its rows."""
    rows, description = inbox()
    create_table_artifact(key=INBOX_KEY, table=rows, description=description)
    run_logger().info(f"The approvals inbox lists {len(rows)} approvals waiting")
    return len(rows)
