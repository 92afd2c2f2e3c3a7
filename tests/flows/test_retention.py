"""retention and legal-hold under Prefect, on the stand-ins over HTTP: an archived exam held by its
coordinator is left; once the hold is lifted and its periods have run, the platform stand-in holds
neither its test nor its candidates, no name, national id or email of its candidates remains in
the store or the mail folder, the archive's checksums and the audit chain verify, and the run's
table says what was purged."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from prefect.artifacts import Artifact

import flows.retention
from flows.legal_hold import legal_hold
from flows.retention import retention
from models.retention import LegalHoldRequest
from models.settings import get_settings
from models.systems import INSPERA
from store.verify_audit import verify_database
from tasks import platform_results
from tasks.clock import now
from tasks.retention import archive_unconfirmed
from tests.flows.conftest import World
from tests.flows.exams import Phase, exam_at
from tests.store.test_retention_purge import personal_values, store_text

PAST_EVERY_PERIOD = timedelta(days=3652)


def hold(occasion: str, action: str) -> LegalHoldRequest:
    return LegalHoldRequest(
        occasion_uid=occasion,
        action=action,
        kind="case",
        reason="a court case",
        staff_id="staff-coordinator-1",
    )


def test_a_held_exam_is_left_and_once_lifted_its_personal_data_is_purged_everywhere(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    exam = exam_at(world, Phase.ARCHIVED)
    occasion = exam.occasion
    alone, _ = personal_values(occasion)
    test_id = platform_results.platform_test_id(occasion)
    monkeypatch.setattr(flows.retention, "now", lambda: now() + PAST_EVERY_PERIOD)

    assert legal_hold(hold(occasion, "place")).endswith("placed")
    [held] = retention(occasion_uids=[occasion])
    assert held.outcome == "held" and "a court case" in held.reason
    assert httpx.get(f"{world.urls[INSPERA.name]}/_sim/test/{test_id}").status_code == 200

    assert legal_hold(hold(occasion, "lift")) == "1 case hold(s) lifted"
    [done] = retention(occasion_uids=[occasion])

    assert done.outcome == "purged" and done.counts["answers.platform_tests"] == 1
    assert httpx.get(f"{world.urls[INSPERA.name]}/_sim/test/{test_id}").status_code == 404
    everything = store_text()
    mails = "\n".join(p.read_text() for p in get_settings().outbox_dir.glob("*.eml"))
    assert alone and not [v for v in alone if v in everything or v in mails]
    assert archive_unconfirmed(occasion) == ""
    assert verify_database().intact
    artifact = Artifact.get("retention")
    assert artifact is not None
    rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert [(r["exam"], r["outcome"]) for r in rows] == [(occasion, "purged")]
