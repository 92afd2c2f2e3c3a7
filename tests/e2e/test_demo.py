"""End to end: `python -m deployments.demo` takes the Norwegian sample exam through every phase on
FS and the served deployments (a real Prefect server, suspension included), approvals answered by
a scripted approver through Prefect's resume API: the plan's policy check, a seating plan once the
registrations are synced, and while the exam is written an incident whose minute the platform gives
back and the close waits for, each read back from the store, the artifacts and the platform stand-in.
On the way the process serving the deployments is
SIGKILLed while a run is suspended for its approval (the plan's, after which the platform's test is
made; the transfer's, after which the platform's once-only transfer to FS runs), a fresh one is
started and the run is resumed with the mailed code. Nothing is done twice: the stand-ins count
every request they handled by route, and the mail folder holds one code per approver per approval.
The Swedish register answers not one request."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from deployments.sample import SAMPLE_BOOKING
from models.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

CANDIDATES = 40


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("demo")
    out = home / "summary.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "deployments.demo",
            *("--country", "NO"),
            *("--candidates", str(CANDIDATES), "--out", str(out), "--home", str(home / "home")),
            *("--timeout", "900", "--kill-serve-at", "plan-exam", "--kill-serve-at", "result-transfer"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dict(json.loads(out.read_text()))


def test_demo_takes_one_exam_from_plan_to_archive(summary: dict[str, Any]) -> None:
    assert summary["candidates"] == summary["registered"] == CANDIDATES
    assert 0 < summary["attended"] <= CANDIDATES
    assert summary["graded"] == summary["transferred"] == summary["archived"] == summary["attended"]
    assert summary["appealed"] == 1
    # the law's 3 weeks for appeals have not passed: the lifecycle leaves the case open, the demo
    # archives it by hand
    assert date.fromisoformat(summary["case_closes"]) > date.today()
    # the support office's decisions, imported from the coordinator's file, reach the platform
    assert summary["with_extra_time"] > 0
    assert summary["extra_time_on_platform"] == summary["with_extra_time"]
    assert sum(summary["grades"].values()) == summary["graded"]
    answers = summary["approvals"]
    # plan (a mistyped code, then the sent one), the seating plan, each grader's own grading (two),
    # the joint grading, transfer, each member of the appeal committee (two, agreeing blind), the
    # planner's approval of the appeal's new grade for FS (its protocol file imported): each run
    # waiting suspended
    assert [a["code"] for a in answers] == ["mistyped"] + ["sent"] * 9
    assert answers[2]["title"].startswith("Approve the seating plan")
    assert answers[0]["title"] == answers[1]["title"]
    assert {a["waiting_as"] for a in answers} == {"Suspended"}
    assert summary["refused_answers"] == 1
    assert summary["approval_forms"] == len(answers) and summary["answers_left_in_run_input"] == 0
    # retention ran on the archived exam: its periods have not run (grades of today)
    assert summary["retention"]["outcome"] == "not due" and summary["retention"]["next due"]
    statistics = summary["statistics"]
    assert (
        statistics["headline"].startswith(f"{statistics['term']}: ") and "sittings" in statistics["headline"]
    )


def test_the_day_shows_the_policy_check_a_seating_plan_and_an_incident_the_close_waits_for(
    summary: dict[str, Any],
) -> None:
    policy = summary["policy"]  # as plan-exam audited it, and as the plan's report says it
    assert (policy["form"], policy["outcome"]) == ("digital_campus", "allowed")
    assert policy["in_the_plan"] == f"{policy['reason'][0].upper()}{policy['reason'][1:]}."
    seating = summary["seating"]  # rooms booked and seats assigned in the store
    assert set(seating["rooms"]) <= set(SAMPLE_BOOKING) and seating["rooms"]
    assert seating["seats"] == summary["registered"]
    assert all(": " in conflict for conflict in seating["conflicts"]), seating["conflicts"]
    incident = summary["incident"]
    # the minute lost, recorded in the store, is the candidate's incident time on the platform's test
    # (read back from the Inspera stand-in's state), given before their time ended
    assert incident["minutes"] == incident["extra_time_on_platform"] == 1
    assert incident["reason"]
    ends = datetime.fromisoformat(incident["their_time_ends"])
    # the candidate had the most extra time: the incident moved the deadline, and the close waited
    assert ends == datetime.fromisoformat(incident["deadline_without_it"]) + timedelta(minutes=1)
    assert datetime.fromisoformat(incident["exam_closed"]) >= ends


def test_serve_killed_while_runs_wait_for_approval_resumes_without_repeating_a_side_effect(
    summary: dict[str, Any],
) -> None:
    assert summary["serve_killed_at"] == ["plan-exam", "result-transfer"]
    assert summary["registration_syncs"] in (1, 2)
    mails = summary["code_mails"]  # one code per approver per approval, none sent again on a replay
    assert {m["mails"] for m in mails} == {1}, mails
    assert {m["approver"] for m in mails if m["title"].startswith("Approve the plan")} == {
        "staff-coordinator-1"
    }
    assert {m["approver"] for m in mails if m["title"].startswith("Approve the platform's transfer")} == {
        "staff-planner-1"
    }
    ladok = summary["requests"]["register"]
    assert {call: n for call, n in ladok.items() if "/_sim/" not in call} == {}, ladok
    fs = summary["requests"]["fs"]  # FS is read over its API (the plan, the sync, the read-backs)
    assert set(fs) == {"POST /graphql/"}, fs
    platform = summary["requests"]["platform"]
    platform_writes = {
        call: n
        for call, n in platform.items()
        if not call.startswith("GET") and "/authenticate/" not in call and "/fileExport/" not in call
    }
    assert platform_writes == {
        "POST /api/v1/test": 1,  # made once the plan is approved, not again on the resume
        "POST /api/v1/test/{test_id}/options": 1,
        # each registration sync: all in one request (the lifecycle's, and register-events' own when
        # its quarter hour comes while the exam is being written)
        "POST /api/v1/test/{test_id}/candidates": summary["registration_syncs"],
        "POST /api/v1/test/{test_id}/status": 3,  # exam day: ACTIVE, FINISHED, GRADING_IN_PROGRESS
        "POST /api/v1/test/{test_id}/candidates/incidentTime": 1,  # the incident's minute, once
        "POST /api/v1/test/{test_id}/committees": 1,
        "POST /api/v1/test/{test_id}/contributors": 1,
        "POST /api/v1/test/{test_id}/committees/candidates/move": 1,
        "POST /api/v1/test/{test_id}/fs-transfer": 1,  # once only, not again on the resume
    }, platform
