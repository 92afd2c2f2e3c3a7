"""pre-exam-check through the real flow, over the stand-ins: a candidate missing from the platform's
test and another's extra time changed there are listed in the run's table, a coordinator approves,
the fixes reach the platform and the check again finds none. And the two runs plan-exam schedules
on a served deployment: at T-24 h and T-1 h before the start, once however often it is planned
(none, and the plan going on, where nothing serves the deployment)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import get_client
from prefect.artifacts import Artifact
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from sqlalchemy import select

from flows.pre_exam_check import pre_exam_check
from models.params import PreExamCheck
from store import occasions
from store.db import transaction
from store.schema import AuditEvent
from tasks import platform_results
from tasks.precheck import schedule_checks
from tasks.reports import artifact_key
from tasks.systems import systems
from tests.flows.conftest import World, approving
from tests.flows.exams import Phase, exam_at


def _table(key: str) -> list[dict[str, Any]]:
    artifact = Artifact.get(key)
    assert artifact is not None, key
    return list(artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data)))


def test_differences_are_listed_approved_pushed_and_checked_again(world: World) -> None:
    exam = exam_at(world, Phase.SYNCED)
    test_id = platform_results.platform_test_id(exam.occasion)
    with systems().platform() as platform:
        first, second = platform.list_candidates(test_id)[:2]
        platform.remove_candidates(test_id, [first.external_user_id])
        platform.add_candidates(test_id, [second.model_copy(update={"extra_time_minutes": 45})])
    with approving(world.outbox, "staff-coordinator-1") as coordinator:
        outcome = pre_exam_check(PreExamCheck(occasion_uid=exam.occasion))
    assert coordinator.errors == [] and len(coordinator.answers) == 1
    assert outcome == "2 difference(s) put right; the check again found none"
    listed = _table(artifact_key("pre-exam-check", exam.occasion, "on demand"))
    assert sorted((r["candidate"], r["what differs"], r["the fix"]) for r in listed) == sorted(
        [
            (first.candidate_code, "candidate", "add the candidate to the platform's test"),
            (second.candidate_code, "extra time", f"set {second.extra_time_minutes} minutes on the platform"),
        ]
    )
    with systems().platform() as platform:
        now_listed = {c.external_user_id: c for c in platform.list_candidates(test_id)}
    assert first.external_user_id in now_listed
    assert now_listed[second.external_user_id].extra_time_minutes == second.extra_time_minutes
    again = Artifact.get(artifact_key("pre-exam-check", exam.occasion, "on demand", "after the fixes"))
    assert again is not None and "No difference" in str(again.data)
    with transaction() as session:
        fixed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.occasion_id == exam.occasion, AuditEvent.action == "precheck.fixed"
            )
        ).all()
    assert [e.actor for e in fixed] == ["staff-coordinator-1"]


def test_the_checks_are_scheduled_at_t_minus_24_and_1_hours_once(world: World) -> None:
    exam = exam_at(world, Phase.PLANNED)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    with transaction() as session:
        occasion = occasions.get(session, exam.occasion)
        occasion.starts_at, occasion.ends_at = starts, starts + timedelta(hours=4)
    assert schedule_checks.fn(exam.occasion) == []  # no deployment: the plan goes on, saying so
    deployment_id = pre_exam_check.to_deployment(name="local").apply()
    try:
        assert schedule_checks.fn(exam.occasion) == ["T-24h", "T-1h"]
        assert schedule_checks.fn(exam.occasion) == ["T-24h", "T-1h"]
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            scheduled = sorted((r.expected_start_time, r.parameters["params"]["window"]) for r in runs)
            assert all(r.state is not None and r.state.is_scheduled() for r in runs)
            assert scheduled == [
                (starts - timedelta(hours=24), "T-24h"),
                (starts - timedelta(hours=1), "T-1h"),
            ]
            assert {r.parameters["params"]["starts_at"] for r in runs} == {starts.isoformat()}
    finally:
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment_id)
