"""End to end: the process serving the deployments is SIGKILLed while a run is suspended for its
approval (the plan's, after which the platform's test is made; the transfer's, after which the
register's drafts are written), a fresh one is started, and the run is resumed through Prefect's
resume API with the mailed code. Nothing is done twice: the stand-ins count every request they
handled by route, and the mail folder holds one code per approver per approval."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

CANDIDATES = 15
DRAFT_CREATED = "POST /resultat/studieresultat/{study_result_uid}/utbildning/{module_uid}/resultat"


def test_serve_killed_while_runs_wait_for_approval_resumes_without_repeating_a_side_effect(
    tmp_path: Path,
) -> None:
    out = tmp_path / "summary.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "deployments.demo",
            "--candidates",
            str(CANDIDATES),
            "--out",
            str(out),
            "--home",
            str(tmp_path / "home"),
            "--timeout",
            "240",
            "--kill-serve-at",
            "plan-exam",
            "--kill-serve-at",
            "result-transfer",
            "--until",
            "result-transfer",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert summary["serve_killed_at"] == ["plan-exam", "result-transfer"]
    assert summary["candidates"] == summary["registered"] == CANDIDATES
    assert 0 < summary["attended"] == summary["graded"] == summary["transferred"]
    assert {a["waiting_as"] for a in summary["approvals"]} == {"Suspended"}

    # one code per approver per approval: plan, each grader's own grading, joint grading, transfer
    mails = summary["code_mails"]
    assert {m["mails"] for m in mails} == {1}, mails
    assert len({(m["run"], m["title"]) for m in mails}) == 5
    assert {m["approver"] for m in mails if m["title"].startswith("Approve the plan")} == {
        "staff-coordinator-1"
    }
    assert {m["approver"] for m in mails if m["title"].startswith("Approve the transfer")} == {
        "staff-planner-1"
    }
    # the mistyped first answer is judged once, not again on the replay after the kill
    assert summary["refused_answers"] == 1 and summary["answers_left_in_run_input"] == 0

    register = summary["requests"]["register"]
    writes = {call: n for call, n in register.items() if call.startswith(("POST", "PATCH", "DELETE"))}
    writes |= {
        call: n for call, n in register.items() if call.startswith("PUT") and not call.endswith("/sok")
    }
    assert writes == {DRAFT_CREATED: summary["transferred"]}, register  # one draft each, none updated

    platform = summary["requests"]["platform"]
    platform_writes = {
        call: n
        for call, n in platform.items()
        if not call.startswith("GET") and "/authenticate/" not in call and "/fileExport/" not in call
    }
    assert platform_writes == {
        "POST /api/v1/test": 1,  # made once the plan is approved, not again on the resume
        "POST /api/v1/test/{test_id}/options": 1,
        "POST /api/v1/test/{test_id}/candidates": 1,  # the registration sync: all in one request
        "POST /api/v1/test/{test_id}/status": 3,  # exam day: ACTIVE, FINISHED, GRADING_IN_PROGRESS
        "POST /api/v1/test/{test_id}/committees": 1,
        "POST /api/v1/test/{test_id}/contributors": 1,
        "POST /api/v1/test/{test_id}/committees/candidates/move": 1,
    }, platform
