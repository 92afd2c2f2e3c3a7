"""`make run`: the local stack, a fresh sample term, and one sample exam's lifecycle started,
waiting at its first approval for a person in the Prefect UI. Ctrl-C stops everything.
`--country NO` (`make run COUNTRY=NO`): the sample exam is Norwegian, seeded in the FS stand-in."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from deployments import demo_day
from deployments.approver import CodeMail, code_mails
from deployments.sample import (
    FS_FIRST_CANDIDATE,
    FS_UNIT,
    ROOMS_FILE,
    SAMPLE_BOOKING,
    STOCKHOLM,
    SUPPORT_FILE,
    TIMETABLE,
    hold_this_morning,
    registrations,
    sample_occasion,
    seed_fs_sample,
    seed_term,
    write_rooms,
    write_support_decisions,
)
from deployments.serve import PREFECT_YAML, deployments
from deployments.stack import Stack
from models.settings import settings_from_env
from rules.exam_names import artifact_key, run_link
from tasks.exam_names import key_of, title_of
from tasks.exam_policy import SAID

# Each run starts a fresh sample term; Prefect's own history (EXAMFLOW_HOME/prefect) is kept.
FRESH = ("simulators", "outbox", "examflow.db", "examflow.db-wal", "examflow.db-shm")
TERM = {"seed": 1, "course_rounds": 12, "occasions": 8, "students": 400}
FS_CANDIDATES = 60  # the Norwegian sample exam's registrations in FS


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def reset(home: Path) -> None:
    for name in FRESH:
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def start(stack: Stack, country: str) -> str:
    """Brings the stack up and starts the sample exam's lifecycle; returns the occasion uid."""
    say(f"Starting the Prefect server, the stand-ins and the deployments (state in {stack.home}) …")
    stack.start_services()
    stack.prepare_store()
    return start_norwegian(stack) if country == "NO" else start_swedish(stack)


def start_swedish(stack: Stack) -> str:
    from prefect.deployments import run_deployment

    ladok = stack.env()["EXAMFLOW_LADOK_URL"]
    occasion = sample_occasion(TERM, seed_term(ladok, **TERM))
    granted = prepare_sample(stack, ladok, occasion, TERM)
    stack.serve_deployments(len(deployments(PREFECT_YAML)))
    with stack.in_this_process():
        import_support_decisions()
        run_deployment("lifecycle/local", parameters={"params": sample_lifecycle(occasion)}, timeout=0)
    say(
        f"Seeded a term of {TERM['occasions']} occasions; the sample exam {occasion} has "
        f"{registrations(ladok, occasion)} candidates, {granted} of them with extra time from the "
        f"support office's decisions ({stack.home / 'uploads' / SUPPORT_FILE}, imported). "
        "Its lifecycle has started, its times read from the timetable."
    )
    return occasion


def start_norwegian(stack: Stack) -> str:
    """The Norwegian sample exam: its unit, registrations, accommodations and grading information
    seeded in FS, its timetable row and the rooms file in the uploads folder; its lifecycle on FS."""
    from prefect.deployments import run_deployment

    uploads = stack.home / "uploads"
    granted = seed_fs_sample(stack.env()["EXAMFLOW_FS_URL"], uploads, FS_CANDIDATES)
    write_rooms(uploads)
    stack.serve_deployments(len(deployments(PREFECT_YAML)))
    with stack.in_this_process():
        params = sample_lifecycle(FS_UNIT, country="NO")
        run_deployment("lifecycle/local", parameters={"params": params}, timeout=0)
    say(
        f"Seeded the Norwegian sample exam {FS_UNIT} in FS: {FS_CANDIDATES} registrations with FS's "
        f"candidate numbers, {granted} of them granted extra time in FS, and FS's grading deadline. "
        "Its lifecycle has started on FS, its times read from the timetable."
    )
    return FS_UNIT


def prepare_sample(
    stack: Stack,
    ladok: str,
    occasion: str,
    term: dict[str, Any],
    window: tuple[datetime, datetime] | None = None,
) -> int:
    """The sample exam held in `window` (by default this morning), its timetable and its support
    decisions written to the uploads folder as a coordinator leaves them; how many decisions grant
    support."""
    uploads = stack.home / "uploads"
    starts, _ = hold_this_morning(ladok, occasion, uploads, window)
    write_rooms(uploads)
    return write_support_decisions(uploads, term, occasion, starts.astimezone(STOCKHOLM).date())


def import_support_decisions() -> None:
    """Runs the `accommodations` deployment on the sample's support file, as a coordinator would."""
    from prefect.deployments import run_deployment

    params = {"filename": SUPPORT_FILE, "entered_by": "staff-coordinator-1"}
    run = run_deployment("accommodations/local", parameters={"params": params}, timeout=300)
    if run.state is None or not run.state.is_completed():  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
        state = run.state.name if run.state else "not started"  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
        raise RuntimeError(f"importing the sample's support decisions ended {state}")


def sample_lifecycle(occasion: str, **more: Any) -> dict[str, Any]:
    """The lifecycle's parameters for the sample exam: its times from the timetable."""
    return {"occasion_uid": occasion, "times": {"timetable": TIMETABLE}, **more}


def guide(stack: Stack, occasion: str, country: str) -> None:
    appeal = norwegian_appeal(stack, occasion) if country == "NO" else ""
    say(f"""
Prefect UI: {stack.ui_url}/v2   (flow runs: {stack.ui_url}/v2/runs)
What waits for whom: the 'approvals-inbox' artifact ({stack.ui_url}/v2/artifacts/key/approvals-inbox),
refreshed as each approval opens and is answered, and every 5 minutes.

What to do next (each code mail is printed below as it is sent: to whom, the code, the run's page):
  1. The run '… · plan-exam' is Suspended, waiting for the coordinator: open the page printed with
     the mail, choose Resume, and fill in the form: staff id staff-coordinator-1, decision approve,
     a comment, and the one-time code from that mail (the mail folder is {stack.home / "outbox"}).
  2. registration-sync and exam-day follow by themselves; then grading asks each grader of the
     sample's committee to approve their own grading, one after the other: first the examiner
     (staff-examiner-1), then staff-grader-1, each with a code of their own mailed when it is
     their turn.
  3. Then the joint grading: one of the two approves it (both are mailed a code).
  4. result-transfer waits for the planner (staff-planner-1){transfer_route(country)}; the archive
     follows once the exam's case is closed (the nightly sweep 'archive-closed-cases').
  5. Once registration-sync has run, `make run` starts the seating plan itself: 'seating-plan/local'
       with occasion_uid: {occasion},
       rooms: {json.dumps(SAMPLE_BOOKING)}, rooms_file: {ROOMS_FILE}, planned_by: staff-coordinator-1.
       It prints the run's page; the plan's report is
       {stack.ui_url}/v2/artifacts/key/{artifact_key("seating-plan", occasion)}
       and the coordinator approves it like the plan, with the code mailed to them.
  6. The plan's exam policy check: `make run` prints its verdict below once plan-exam has checked
       it; it is also the last section of the plan's report and a line of plan-exam's log.
  7. An incident is given while an exam is being written: the sample exam was held this morning
       and exam-day closes it at once, so an incident on it is refused as the exam is closed (the
       demo, `python -m deployments.demo`, reports one that is given). On an exam being written,
       start 'exam-incident/local' with the occasion_uid, a candidate_code, minutes_lost, a reason
       and entered_by: staff-invigilator-1; the minutes are given back on the platform and
       exam-day's close waits for them.{appeal}

Press Ctrl-C to stop everything.
""")


def transfer_route(country: str) -> str:
    """How the sample's results reach the register, for the guide."""
    return " (then the platform's transfer to FS, and FS read back)" if country == "NO" else ""


def norwegian_appeal(stack: Stack, occasion: str) -> str:
    """The guide's step for an appeal registered in FS, once the results are in FS."""
    requests = f"{stack.env()['EXAMFLOW_FS_URL'].rstrip('/')}/_sim/vurderingsenheter/{occasion}/requests"
    body = json.dumps(
        {"klager": [{"kandidatnummer": str(FS_FIRST_CANDIDATE), "mottattDato": date.today().isoformat()}]}
    )
    return f"""
  8. Once the results are in FS, an appeal as FS registers it: POST {body} to
       {requests}
     and start 'collect-requests/local' with occasion_uids: [{occasion}]; the appeal committee
     (staff-appeal-1, staff-appeal-ext-1) grades it blind, the planner approves the new grade, and
     its protocol file waits in {stack.home / "fs" / "protocols"} for the exam office's import."""


def watch(stack: Stack, occasion: str) -> None:
    """Prints every approval-code mail as it is sent and, once registration-sync has run, starts
    the sample exam's seating plan as its coordinator would; until Ctrl-C."""
    seen: set[str] = set()
    seating: str | None = None
    policy: dict[str, Any] | None = None
    with stack.in_this_process():
        while True:
            if policy is None and (policy := demo_day.policy_audited(occasion)) is not None:
                say(policy_said(stack, occasion, policy))
            for mail in code_mails(stack.home / "outbox"):
                if mail.file not in seen:
                    seen.add(mail.file)
                    say(mailed(mail))
            if seating is None and demo_day.has_completed("registration-sync"):
                seating = demo_day.start_seating_plan(occasion)
                say(seating_started(stack, occasion, seating))
            time.sleep(1)


def policy_said(stack: Stack, occasion: str, policy: dict[str, Any]) -> str:
    """What `make run` says of the plan's exam policy check, and where its report is."""
    key = key_of("plan", occasion)
    return (
        f"  the exam policy on {title_of(occasion)}: {SAID[policy['outcome']]}; {policy['reason']}\n"
        f"    the plan's report: {stack.ui_url}/v2/artifacts/key/{key}"
    )


def seating_started(stack: Stack, occasion: str, flow_run_id: str) -> str:
    """What `make run` says when it has started the seating plan: where to follow it."""
    return (
        f"  registration-sync has run: started the seating plan of {title_of(occasion)} in the rooms "
        f"{', '.join(SAMPLE_BOOKING)} (from {ROOMS_FILE}), planned by {demo_day.COORDINATOR}\n"
        f"    its run: {run_link(stack.ui_url, flow_run_id)}\n"
        f"    its report: {stack.ui_url}/v2/artifacts/key/{artifact_key('seating-plan', occasion)}\n"
        "    it waits for the coordinator's approval: the code is mailed below"
    )


def mailed(mail: CodeMail) -> str:
    """One code mail as `make run` prints it: to whom, for what, the code and where to answer."""
    why = f"\n    a new code: {mail.why}" if mail.why else ""
    where = f"\n    answer at {mail.link}" if mail.link else ""
    return f"  mail to {mail.staff_id}: code {mail.code} for '{mail.title}'{why}{where}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--country", choices=["SE", "NO"], default="SE", help="the sample exam's country")
    country = parser.parse_args().country
    home = settings_from_env().home
    reset(home)
    stack = Stack(home)
    try:
        occasion = start(stack, country)
        guide(stack, occasion, country)
        watch(stack, occasion)
    except KeyboardInterrupt:
        say("\nStopping …")
    finally:
        stack.stop()
        say("Stopped.")


if __name__ == "__main__":
    main()
