"""`make run`: the local stack, a fresh sample term, and one sample exam's lifecycle started,
waiting at its first approval for a person in the Prefect UI. Ctrl-C stops everything."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from deployments.approver import code_mails
from deployments.sample import hold_this_morning, registrations, seed_term
from deployments.serve import PREFECT_YAML, deployments
from deployments.stack import Stack
from models.settings import settings_from_env

# Each run starts a fresh sample term; Prefect's own history (EXAMFLOW_HOME/prefect) is kept.
FRESH = ("simulators", "outbox", "examflow.db", "examflow.db-wal", "examflow.db-shm")
TERM = {"seed": 1, "course_rounds": 12, "occasions": 8, "students": 400}


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


def start(stack: Stack) -> str:
    """Brings the stack up and starts the sample exam's lifecycle; returns the occasion uid."""
    from prefect.deployments import run_deployment

    say(f"Starting the Prefect server, the stand-ins and the deployments (state in {stack.home}) …")
    stack.start_services()
    stack.prepare_store()
    ladok = stack.env()["EXAMFLOW_LADOK_URL"]
    occasion = seed_term(ladok, **TERM)[0]
    hold_this_morning(ladok, occasion)
    stack.serve_deployments(len(deployments(PREFECT_YAML)))
    with stack.in_this_process():
        run_deployment("lifecycle/local", parameters={"params": {"occasion_uid": occasion}}, timeout=0)
    say(
        f"Seeded a term of {TERM['occasions']} occasions; the sample exam {occasion} has "
        f"{registrations(ladok, occasion)} candidates. Its lifecycle has started."
    )
    return occasion


def guide(stack: Stack) -> None:
    say(f"""
Prefect UI: {stack.ui_url}   (flow runs: {stack.ui_url}/runs)

What to do next:
  1. The flow run 'plan-exam' is Suspended, waiting for a coordinator's approval.
  2. Open it in the UI, choose Resume, and fill in the form:
       approver id: staff-coordinator-1, decision: approve, a comment, and the one-time code
       from the mail printed below (the mail folder is {stack.home / "outbox"}).
  3. The next phases follow by themselves; grading waits for a grader (staff-grader-1) and
     result-transfer for a planner (staff-planner-1), each with a code mailed below.

Press Ctrl-C to stop everything.
""")


def watch_mail(outbox: Path) -> None:
    """Prints each new approval-code mail, until Ctrl-C."""
    seen: set[str] = set()
    while True:
        for mail in code_mails(outbox):
            if mail.flow_run_id + mail.staff_id not in seen:
                seen.add(mail.flow_run_id + mail.staff_id)
                say(f"  mail to {mail.staff_id}: '{mail.title}', code {mail.code}")
        time.sleep(1)


def main() -> None:
    home = settings_from_env().home
    reset(home)
    stack = Stack(home)
    try:
        start(stack)
        guide(stack)
        watch_mail(home / "outbox")
    except KeyboardInterrupt:
        say("\nStopping …")
    finally:
        stack.stop()
        say("Stopped.")


if __name__ == "__main__":
    main()
