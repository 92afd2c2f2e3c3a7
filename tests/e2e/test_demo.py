"""End to end: `python -m deployments.demo` takes a sample exam through every phase on the served
deployments (a real Prefect server, suspension included), approvals answered by a scripted approver
through Prefect's resume API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.settings import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_demo_takes_one_exam_from_plan_to_archive(tmp_path: Path):
    out = tmp_path / "summary.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "deployments.demo",
            "--candidates",
            "60",
            "--out",
            str(out),
            "--home",
            str(tmp_path / "home"),
            "--timeout",
            "240",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert summary["candidates"] == summary["registered"] == 60
    assert 0 < summary["attended"] <= 60
    assert summary["graded"] == summary["transferred"] == summary["archived"] == summary["attended"]
    assert summary["appealed"] == 1
    # the support office's decisions, imported from the coordinator's file, reach the platform
    assert summary["with_extra_time"] > 0
    assert summary["extra_time_on_platform"] == summary["with_extra_time"]
    assert sum(summary["grades"].values()) == summary["graded"]
    answers = summary["approvals"]
    # plan (a mistyped code, then the sent one), each grader's own grading (two), the joint grading,
    # transfer, appeal: each run waiting suspended
    assert [a["code"] for a in answers] == ["mistyped"] + ["sent"] * 6
    assert answers[0]["title"] == answers[1]["title"]
    assert {a["waiting_as"] for a in answers} == {"Suspended"}
    assert summary["refused_answers"] == 1
    assert summary["approval_forms"] == len(answers) and summary["answers_left_in_run_input"] == 0
