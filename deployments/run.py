"""`make run`: the local stack, a fresh sample term, and one sample exam's lifecycle started,
waiting at its first approval for a person in the Prefect UI; beside it a second sample exam of the
term, being written now, whose approvals `make run` answers itself until exam day has begun, and on
which it then reports an incident. Ctrl-C stops everything.
`--country NO` (`make run COUNTRY=NO`): the sample exam is Norwegian, seeded in the FS stand-in
(and there is no second exam)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy.exc import NoResultFound

from deployments import demo_day
from deployments.approver import CodeMail, answer_waiting, code_mails, is_about
from deployments.sample import (
    FS_FIRST_CANDIDATE,
    FS_UNIT,
    ROOMS_FILE,
    SAMPLE_BOOKING,
    STOCKHOLM,
    SUPPORT_FILE,
    TIMETABLE,
    WRITING_SUPPORT_FILE,
    WRITING_TIMETABLE,
    closing_soon,
    hold_this_morning,
    registrations,
    sample_occasion,
    seed_fs_sample,
    seed_term,
    term_longest_extra_time,
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
WRITING_MINUTES = 25  # the second sample exam's working time ends this long after `make run` starts


@dataclass
class Started:
    """The sample exams `make run` started: the walk-through's, and the one being written now
    (Swedish runs only), with the times of the latter (Stockholm)."""

    occasion: str
    writing: str | None = None
    writing_ends: datetime | None = None
    writing_deadline: datetime | None = None


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


def start(stack: Stack, country: str) -> Started:
    """Brings the stack up and starts the sample exams' lifecycles."""
    say(f"Starting the Prefect server, the stand-ins and the deployments (state in {stack.home}) …")
    stack.start_services()
    stack.prepare_store()
    return Started(start_norwegian(stack)) if country == "NO" else start_swedish(stack)


def start_swedish(stack: Stack) -> Started:
    from prefect.deployments import run_deployment

    ladok = stack.env()["EXAMFLOW_LADOK_URL"]
    occasions = seed_term(ladok, **TERM)
    occasion = sample_occasion(TERM, occasions)
    granted = prepare_sample(stack, ladok, occasion, TERM)
    started = prepare_writing(stack, ladok, occasion, [uid for uid in occasions if uid != occasion])
    stack.serve_deployments(len(deployments(PREFECT_YAML)))
    with stack.in_this_process():
        import_support_decisions()
        import_support_decisions(WRITING_SUPPORT_FILE)
        run_deployment("lifecycle/local", parameters={"params": sample_lifecycle(occasion)}, timeout=0)
        writing = sample_lifecycle(str(started.writing), timetable=WRITING_TIMETABLE)
        run_deployment("lifecycle/local", parameters={"params": writing}, timeout=0)
    say(
        f"Seeded a term of {TERM['occasions']} occasions; the sample exam {occasion} has "
        f"{registrations(ladok, occasion)} candidates, {granted} of them with extra time from the "
        f"support office's decisions ({stack.home / 'uploads' / SUPPORT_FILE}, imported). "
        "Its lifecycle has started, its times read from the timetable.\n"
        f"The second sample exam {started.writing} is being written now (its times in "
        f"{stack.home / 'uploads' / WRITING_TIMETABLE}, its support decisions in "
        f"{stack.home / 'uploads' / WRITING_SUPPORT_FILE}, imported); its lifecycle has started too."
    )
    return started


def prepare_writing(stack: Stack, ladok: str, occasion: str, others: list[str]) -> Started:
    """The second sample exam, one of `others`, written now: its working time ends
    `WRITING_MINUTES` after this moment, its deadline as much later as its longest extra time."""
    writing = sample_occasion(TERM, others)
    longest = term_longest_extra_time(TERM, writing)
    window = writing_window(longest)
    prepare_sample(
        stack, ladok, writing, TERM, window, timetable=WRITING_TIMETABLE, support_file=WRITING_SUPPORT_FILE
    )
    ends = window[1].astimezone(STOCKHOLM)
    return Started(occasion, writing, ends, ends + timedelta(minutes=longest))


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
    *,
    timetable: str = TIMETABLE,
    support_file: str = SUPPORT_FILE,
) -> int:
    """The sample exam held in `window` (by default this morning), its timetable and its support
    decisions written to the uploads folder (as `timetable` and `support_file`) as a coordinator
    leaves them; how many decisions grant support."""
    uploads = stack.home / "uploads"
    starts, _ = hold_this_morning(ladok, occasion, uploads, window, timetable)
    write_rooms(uploads)
    day = starts.astimezone(STOCKHOLM).date()
    return write_support_decisions(uploads, term, occasion, day, support_file)


def writing_window(longest_extra_minutes: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """A window whose working time ends `WRITING_MINUTES` (to a minute) after `now`, on one day in
    Stockholm (`closing_soon`, its deadline as much later as the longest extra time)."""
    return closing_soon(longest_extra_minutes, (WRITING_MINUTES + longest_extra_minutes) * 60, now)


def import_support_decisions(filename: str = SUPPORT_FILE) -> None:
    """Runs the `accommodations` deployment on a sample's support file, as a coordinator would."""
    from prefect.deployments import run_deployment

    params = {"filename": filename, "entered_by": "staff-coordinator-1"}
    run = run_deployment("accommodations/local", parameters={"params": params}, timeout=300)
    if run.state is None or not run.state.is_completed():  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
        state = run.state.name if run.state else "not started"  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
        raise RuntimeError(f"importing the support decisions in {filename} ended {state}")


def sample_lifecycle(occasion: str, timetable: str = TIMETABLE, **more: Any) -> dict[str, Any]:
    """The lifecycle's parameters for a sample exam: its times from the timetable."""
    return {"occasion_uid": occasion, "times": {"timetable": timetable}, **more}


def guide(stack: Stack, started: Started, country: str) -> None:
    occasion = started.occasion
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
  7. {incident_step(stack, started)}{appeal}

Press Ctrl-C to stop everything.
""")


def incident_step(stack: Stack, started: Started) -> str:
    """The guide's step on an incident: the one `make run` reports on the exam being written, or,
    without one, how an incident is given."""
    if started.writing is None or started.writing_ends is None or started.writing_deadline is None:
        return """An incident is given while an exam is being written: the sample exam was held this morning
       and exam-day closes it at once, so an incident on it is refused as the exam is closed (the
       demo, `python -m deployments.demo`, reports one that is given). On an exam being written,
       start 'exam-incident/local' with the occasion_uid, a candidate_code, minutes_lost, a reason
       and entered_by: staff-invigilator-1; the minutes are given back on the platform and
       exam-day's close waits for them."""
    name = title_of(started.writing)
    return f"""An incident on the second sample exam, {name}, being written now:
       its working time ends at {started.writing_ends:%H:%M} Stockholm time, at {started.writing_deadline:%H:%M} for those with
       the most extra time. Its approvals are not yours: `make run` answers them itself with the
       codes mailed (marked so below) until exam-day has activated the exam. Then it starts
       'exam-incident/local' as the invigilator {demo_day.INVIGILATOR} would, for the candidate
       with the most extra time ({demo_day.INCIDENT_MINUTES} minute lost), and prints the candidate and the page of
       that run: its log and its report ('Incident time for …') give the incident time the
       platform now holds. The run '{name} · exam-day' has scheduled the close
       for the deadline ({stack.ui_url}/v2/runs); at {started.writing_deadline:%H:%M} its next run reads the
       deadline again, logs it with the incident's minute included, and waits for it before
       closing. To give another, start 'exam-incident/local' with occasion_uid:
       {started.writing}, a candidate_code, minutes_lost, a reason
       and entered_by: {demo_day.INVIGILATOR}."""


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


def watch(stack: Stack, started: Started) -> None:
    """Prints every approval-code mail as it is sent and, once registration-sync has run, starts
    the sample exam's seating plan as its coordinator would; meanwhile takes the exam being written
    to its incident (`Writing`); until Ctrl-C."""
    occasion = started.occasion
    seen: set[str] = set()
    seating: str | None = None
    policy: dict[str, Any] | None = None
    writing = Writing(stack, started.writing) if started.writing else None
    with stack.in_this_process():
        while True:
            if policy is None and (policy := demo_day.policy_audited(occasion)) is not None:
                say(policy_said(stack, occasion, policy))
            if writing is not None:
                writing.step()
            for mail in code_mails(stack.home / "outbox"):
                if mail.file not in seen:
                    seen.add(mail.file)
                    say(mailed(mail, writing is not None and writing.answers(mail)))
            if seating is None and demo_day.has_completed("registration-sync", occasion):
                seating = demo_day.start_seating_plan(occasion)
                say(seating_started(stack, occasion, seating))
            time.sleep(1)


class Writing:
    """The exam being written: its approvals answered with the mailed codes until exam-day has
    activated it, then an incident reported for the candidate with the most extra time."""

    def __init__(self, stack: Stack, occasion: str) -> None:
        self.stack, self.occasion = stack, occasion
        self.answered: set[tuple[str, str]] = set()
        self.incident: str | None = None

    def step(self) -> None:
        if self.incident is not None:
            return
        status = writing_status(self.occasion)
        if status in (None, *demo_day.NOT_YET_ACTIVE):
            answer_waiting(self.stack.home / "outbox", self.answered, "answered by make run", self.occasion)
        elif status == "active":
            code, self.incident = demo_day.report_incident(self.occasion)
            say(incident_reported(self.stack, self.occasion, code, self.incident))
        else:
            self.incident = ""
            say(
                f"  {title_of(self.occasion)} was {status} before exam-day had activated it: no incident "
                "was reported (this machine was slower than the exam's working time allowed)"
            )

    def answers(self, mail: CodeMail) -> bool:
        """Whether `make run` answers the mail's approval itself (one of this exam's, before the
        incident)."""
        from prefect.client.orchestration import get_client

        if self.incident is not None:
            return False
        with get_client(sync_client=True) as client:
            return is_about(client.read_flow_run(UUID(mail.flow_run_id)), self.occasion)


def writing_status(occasion: str) -> str | None:
    """The exam's status in the store; None before plan-exam has saved it."""
    try:
        return demo_day.exam_status(occasion)
    except NoResultFound:
        return None


def incident_reported(stack: Stack, occasion: str, code: str, flow_run_id: str) -> str:
    """What `make run` says when it has reported the incident: who, how much, where to see it."""
    return (
        f"  exam-day has begun {title_of(occasion)}: reported an incident as {demo_day.INVIGILATOR}: "
        f"candidate {code} (the most extra time) lost {demo_day.INCIDENT_MINUTES} minute, "
        f"given back on the platform\n"
        f"    the incident's run: {run_link(stack.ui_url, flow_run_id)}\n"
        "    exam-day's close now waits for it: at the deadline its next run logs the deadline with "
        "the incident's minute included and closes only after it (step 7)"
    )


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


def mailed(mail: CodeMail, by_make_run: bool = False) -> str:
    """One code mail as `make run` prints it: to whom, for what, the code and where to answer (or
    that `make run` answers it itself, for the exam being written)."""
    why = f"\n    a new code: {mail.why}" if mail.why else ""
    where = f"\n    answer at {mail.link}" if mail.link else ""
    if by_make_run:
        where = "\n    answered by make run itself (the exam being written, step 7)"
    return f"  mail to {mail.staff_id}: code {mail.code} for '{mail.title}'{why}{where}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--country", choices=["SE", "NO"], default="SE", help="the sample exam's country")
    country = parser.parse_args().country
    home = settings_from_env().home
    reset(home)
    stack = Stack(home)
    try:
        started = start(stack, country)
        guide(stack, started, country)
        watch(stack, started)
    except KeyboardInterrupt:
        say("\nStopping …")
    finally:
        stack.stop()
        say("Stopped.")


if __name__ == "__main__":
    main()
