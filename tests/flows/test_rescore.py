"""The rescore flow under Prefect: preview published as an artifact, the examiner's approval answered
from outside, applied as previewed; a rejection writes nothing. The exam is seeded graded in the
store (the one of tests/rules/test_rescoring.py), not played through the earlier phases."""

from __future__ import annotations

from prefect.artifacts import Artifact
from sqlalchemy import select

from flows.rescore import rescore
from models.params import Rescore, RescoreKind
from store.db import default_engine, transaction
from store.schema import AuditEvent, Grade, Question
from tests.flows.conftest import World, approving
from tests.store.test_rescoring import seed


def key(occasion_id: str) -> Rescore:
    return Rescore(
        occasion_uid=occasion_id,
        question_number=1,
        kind=RescoreKind.KEY,
        accept=["B", "C"],
        reason="key was wrong",
    )


def grades(occasion_id: str) -> dict[int, tuple[float | None, str]]:
    with transaction() as session:
        rows = session.execute(
            select(Grade.registration_id, Grade.points, Grade.grade).where(Grade.occasion_id == occasion_id)
        )
        return {r: (p, g) for r, p, g in rows}


def test_an_approved_rescore_is_applied_as_previewed(world: World) -> None:
    ids = seed(default_engine(), occasion_id="rescore-approved")
    with approving(world.outbox, "staff-examiner-1") as person:
        result = rescore(key("rescore-approved"))
    assert person.answers, person.errors
    assert result == {"applied": 2, "registered": 0, "raised": 2, "lowered": 0, "unchanged": 3}
    held = grades("rescore-approved")
    assert held[ids["X-0001"]] == (9.0, "A") and held[ids["X-0004"]] == (5.0, "E")
    artifact = Artifact.get("rescore-rescore-approved-q1")
    assert artifact is not None
    assert "2 raised, 0 lowered, 3 unchanged" in str(artifact.data)
    assert "| X-0001 | 8 → 9 | B → A |" in str(artifact.data)
    with transaction() as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.occasion_id == "rescore-approved", AuditEvent.action == "grade.rescored"
            )
        ).all()
    assert actors == ["staff-examiner-1", "staff-examiner-1"]


def test_a_rejected_rescore_writes_nothing(world: World) -> None:
    occasion_id = "rescore-rejected"
    seed(default_engine(), occasion_id=occasion_id)
    before = grades(occasion_id)
    with approving(world.outbox, "staff-examiner-1", extra={"decision": "reject"}) as person:
        result = rescore(key(occasion_id))
    assert result == {"applied": 0, "rejected_by": "staff-examiner-1"}, person.errors
    assert grades(occasion_id) == before
    with transaction() as session:
        assert session.get(Question, (occasion_id, "q1")).accepted is None
        assert not session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.occasion_id == occasion_id, AuditEvent.action.like("%rescored")
            )
        ).all()
