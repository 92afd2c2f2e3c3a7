"""One sample exam through every phase without a person, on the same served deployments as
`make run`: approvals suspend their runs, and a scripted approver reads each one-time code from
the mail folder and resumes through Prefect's resume API, as a person at the UI would.

    python -m deployments.demo --country NO --candidates 200 --out summary.json

`--country NO` (the default) takes a Norwegian exam on Norway's systems: seeded in the FS stand-in,
its results through the platform's transfer to FS and read back, one appeal whose new grade the
exam office imports into FS by protocol file. `--country SE` takes a Swedish exam on the Ladok
stand-in, its results written as Ladok drafts; Sweden has no appeal, so none is filed.

On the way, as the exam office would from the UI: the plan's exam policy check (its verdict in
the plan's report and log), a seating plan once the registrations are synced, and, while the exam
is being written, an incident for one candidate whose minute lost the platform gives back and the
close waits for (`deployments/demo_day.py`).

`--kill-serve-at FLOW` (repeatable) SIGKILLs the serving process once a run of FLOW is suspended
for its approval, starts a fresh one and only then answers; `--until result-transfer` ends the
walk after the transfer. The summary counts each approval's code mails and the requests the
register and the platform handled, so that a side effect repeated on resume shows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from deployments import approver, demo_day
from deployments.demo_day import DemoFailed, artifact_data
from deployments.run import import_support_decisions, prepare_sample, sample_lifecycle, say
from deployments.sample import (
    FS_UNIT,
    closing_soon,
    fs_longest_extra_time,
    registrations,
    seed_fs_sample,
    seed_term,
    term_longest_extra_time,
    write_rooms,
)
from deployments.serve import PREFECT_YAML, deployments
from deployments.stack import Stack, default_ports
from models.settings import REPO_ROOT
from simulators.server import free_port
from tasks import platform_results
from tasks.systems import systems

TERMINAL_FAILURES = {"FAILED", "CRASHED", "CANCELLED"}


def flow_runs(name: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return list(client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name]))))


def flow_name(flow_id: Any) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.read_flow(flow_id).name)


def wait_until_idle(timeout: float) -> None:
    """Waits until no flow run is pending or running: then every run left is suspended (or done)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    busy = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PENDING, StateType.RUNNING]))
    )
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while client.read_flow_runs(flow_run_filter=busy):
            if time.monotonic() > deadline:
                raise DemoFailed(f"flow runs still running after {timeout:.0f} s")
            time.sleep(0.5)


@dataclass
class ServeKiller:
    """Before the first answer to each named flow's approval: SIGKILL the serving process while
    the run is suspended, and start a fresh one."""

    stack: Stack
    flows: list[str]
    killed_at: list[str] = field(default_factory=list)

    def __call__(self, flow: str) -> None:
        if flow not in self.flows or flow in self.killed_at:
            return
        wait_until_idle(60)
        say(f"{flow} is suspended: killing the serving process and starting a fresh one …")
        self.stack.kill_serve()
        self.stack.serve_deployments(len(deployments(PREFECT_YAML)))
        self.killed_at.append(flow)


def check_failures() -> None:
    for name in (
        "accommodations",
        "lifecycle",
        "plan-exam",
        "registration-sync",
        "seating-plan",
        "exam-day",
        "exam-incident",
        "grading",
        "result-transfer",
        "appeal",
        "archive-closed-cases",
        "archive",
    ):
        for run in flow_runs(name):
            if run.state and run.state.type.value in TERMINAL_FAILURES:
                raise DemoFailed(f"{name} run {run.name} ended {run.state.name}: {run.state.message}")


class ScriptedApprover:
    """Answers every approval-code mail for a paused run, noting how each run was waiting. Its
    very first answer carries a mistyped code, as people do: the run must ask again, not fail."""

    MISTYPED = "ZZZZ2345"

    def __init__(
        self,
        outbox: Path,
        before_answer: Callable[[str], None] | None = None,
        exam_office: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.exam_office = exam_office  # imports FS's protocol files before that approval is answered
        self.new_grade = ""
        self.answered: list[dict[str, str | None]] = []
        self.before_answer = before_answer  # called with the waiting run's flow name

    def answer_waiting(self) -> None:
        for run in approver.paused_runs():
            mail = approver.mail_for(self.outbox, str(run.id))
            if mail is None:
                continue
            if self.before_answer is not None:
                self.before_answer(flow_name(run.flow_id))
            code = self.MISTYPED if not self.answered else mail.code
            extra = {"new_grade": self.new_grade} if "appealed paper" in mail.title else {}
            if mail.title.startswith("Import the new grade") and self.exam_office is not None:
                self.exam_office()
            approver.answer(run.id, mail, approval_code=code, comment="checked by the demo", **extra)
            self.answered.append(
                {
                    "title": mail.title,
                    "approver": mail.staff_id,
                    "code": "mistyped" if code != mail.code else "sent",
                    "waiting_as": run.state.name if run.state else "?",
                }
            )


def wait_for(name: str, approve: ScriptedApprover, timeout: float, count: int = 1) -> None:
    """Answers approvals until `count` runs of flow `name` have completed."""

    def completed() -> bool:
        return sum(r.state is not None and r.state.is_completed() for r in flow_runs(name)) >= count

    wait_until(completed, name, approve, timeout)


def wait_until(done: Callable[[], bool], what: str, approve: ScriptedApprover, timeout: float) -> None:
    """Answers approvals until `done()` holds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise DemoFailed(f"{what} did not complete within {timeout:.0f} s")
        approve.answer_waiting()
        check_failures()
        time.sleep(1)


def summary(occasion: str, approvals: list[dict[str, str | None]]) -> dict[str, Any]:
    from store.db import transaction
    from store.schema import (
        Appeal,
        ArchiveRecord,
        Attendance,
        AuditEvent,
        Grade,
        Registration,
        TransferLedgerEntry,
    )

    def count(query: Any) -> int:
        return int(session.scalar(query) or 0)

    on_platform = extra_time_on_platform(occasion)  # before our transaction: it opens its own
    closes = case_closes(occasion)
    # the lifecycle's sync, and `register-events`' own if its quarter hour came while the exam was written
    syncs = sum(r.state is not None and r.state.is_completed() for r in flow_runs("registration-sync"))
    with transaction() as session:
        grades = dict(
            session.execute(
                select(Grade.grade, func.count())
                .where(Grade.occasion_id == occasion, Grade.status == "approved")
                .group_by(Grade.grade)
            )
            .tuples()
            .all()
        )
        return {
            "occasion": occasion,
            "registered": count(
                select(func.count()).where(
                    Registration.occasion_id == occasion, Registration.status == "registered"
                )
            ),
            "attended": count(
                select(func.count()).where(
                    Attendance.occasion_id == occasion, Attendance.status == "submitted"
                )
            ),
            "graded": sum(grades.values()),
            "transferred": count(
                select(func.count(func.distinct(TransferLedgerEntry.registration_id))).where(
                    TransferLedgerEntry.occasion_id == occasion, TransferLedgerEntry.status == "confirmed"
                )
            ),
            "appealed": count(select(func.count()).where(Appeal.occasion_id == occasion)),
            "archived": count(
                select(func.count()).where(
                    ArchiveRecord.occasion_id == occasion, ArchiveRecord.kind == "paper"
                )
            ),
            "with_extra_time": count(
                select(func.count()).where(
                    Registration.occasion_id == occasion,
                    Registration.status == "registered",
                    Registration.extra_time_minutes > 0,
                )
            ),
            "extra_time_on_platform": on_platform,
            "grades": dict(sorted(grades.items())),
            "refused_answers": count(
                select(func.count()).where(
                    AuditEvent.occasion_id == occasion, AuditEvent.action == "approval.refused"
                )
            ),
            "approvals": approvals,
            "case_closes": closes,
            "registration_syncs": syncs,
        }


def extra_time_on_platform(occasion: str) -> int:
    """How many of the platform test's candidates have extra time."""

    with systems().platform() as platform:
        candidates = platform.list_candidates(platform_results.platform_test_id(occasion))
    return sum(c.extra_time_minutes > 0 for c in candidates)


def case_closes(occasion: str) -> str:
    """The last day the law leaves for a request on the exam (after it, the nightly
    `archive-closed-cases` archives it), or that it sets none."""
    from tasks.case_closing import state_of

    window = state_of(occasion).window
    return "its results are published (the law sets no deadline)" if window is None else str(window.due_on)


def appeal_case(occasion: str) -> tuple[str, str]:
    """The first graded candidate and a new grade for them: one step up (or down from the top)
    among the grades FS takes (no FX in Norway)."""
    from rules.fs_transfer import fs_grade
    from rules.grades import Scale
    from store.db import transaction
    from store.schema import Grade, Occasion, Registration

    with transaction() as session:
        code, grade = session.execute(
            select(Registration.anonymisation_code, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
            .limit(1)
        ).one()
        scale = Scale(session.get_one(Occasion, occasion).scale)
    grades = [g for g in scale.grades if fs_grade(scale, g) is not None]
    step = 1 if grade != grades[-1] else -1
    return code, grades[grades.index(grade) + step]


def import_protocols(fs_url: str, protocols: Path) -> Callable[[], None]:
    """The exam office importing FS's protocol files (the new grades after appeal) into the FS
    stand-in, each file once."""
    imported: set[Path] = set()

    def office() -> None:
        for path in sorted(set(protocols.glob("*.csv")) - imported):
            rows = list(csv.DictReader(path.read_text("utf-8").splitlines(), delimiter=";"))
            for unit in {r["vurderingsenhet"] for r in rows}:
                results = [
                    {"kandidatnummer": int(r["kandidatnummer"]), "karakter": r["karakter"]}
                    for r in rows
                    if r["vurderingsenhet"] == unit
                ]
                httpx.post(
                    f"{fs_url.rstrip('/')}/_sim/vurderingsenheter/{unit}/resultater",
                    json={"kilde": "protokoll", "resultater": results},
                    timeout=30,
                ).raise_for_status()
            imported.add(path)

    return office


def walk_through(
    occasion: str,
    outbox: Path,
    timeout: float,
    until: str = "archive",
    before_answer: Callable[[str], None] | None = None,
    country: str = "NO",
    exam_office: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The lifecycle, then in Norway (whose law lets a candidate appeal) an appeal and the archive by
    hand (the case stays open for the law's weeks), in Sweden the nightly sweep's archive (its case
    closes once the results are published); then retention and the term's statistics. Every
    approval answered by script; with `until="result-transfer"`, the lifecycle up to the transfer
    only."""
    from prefect.deployments import run_deployment

    say(f"Lifecycle of {occasion} ({country}) started")
    if country == "SE":  # a Norwegian exam's accommodations come from FS, a Swedish one's from the file
        import_support_decisions()
    run_deployment(
        "lifecycle/local", parameters={"params": sample_lifecycle(occasion, country=country)}, timeout=0
    )
    person = ScriptedApprover(outbox, before_answer, exam_office)
    wait_for("registration-sync", person, timeout)
    say("Registrations synced: a seating plan, and an incident while the exam is being written …")
    candidate = demo_day.run_exam_day(occasion, lambda done, what: wait_until(done, what, person, timeout))
    wait_for("result-transfer", person, timeout)
    day = exam_day_summary(occasion, country, candidate)
    if until == "result-transfer":
        return {**summary(occasion, person.answered), **run_inputs(), **day}
    if country == "SE":  # no appeal in Sweden: the sweep chained to the transfer archives it
        wait_for("archive-closed-cases", person, timeout)
        archived = after_archive(occasion, person, timeout)
        return {**summary(occasion, person.answered), **run_inputs(), **day, **archived}
    code, person.new_grade = appeal_case(occasion)
    say(f"Transferred; candidate {code} appeals …")
    run_deployment(
        "appeal/local",
        timeout=0,
        parameters={
            "params": {
                "occasion_uid": occasion,
                "anonymisation_code": code,
                "received_on": date.today().isoformat(),
            }
        },
    )
    wait_for("appeal", person, timeout)
    wait_for("archive-closed-cases", person, timeout)
    say(f"The case stays open until {case_closes(occasion)}; archiving it by hand, as an archivist may …")
    run_deployment("archive/local", timeout=0, parameters={"params": {"occasion_uid": occasion}})
    wait_for("archive", person, timeout)
    archived = after_archive(occasion, person, timeout)
    return {**summary(occasion, person.answered), **run_inputs(), **day, **archived}


def exam_day_summary(occasion: str, country: str, candidate: str) -> dict[str, Any]:
    """The plan's policy check, the seating plan and the incident, each as read back."""
    return {
        "policy": demo_day.policy_checked(occasion, country),
        "seating": demo_day.seating_planned(occasion),
        "incident": demo_day.incident_given(occasion, candidate, os.environ["EXAMFLOW_INSPERA_URL"]),
    }


def after_archive(occasion: str, person: ScriptedApprover, timeout: float) -> dict[str, Any]:
    """The nightly `retention` and `term-statistics` run on the served deployments for the exam
    and its term: what retention did with the exam (its row of the `retention` table) and the
    term's headline figures (from its report)."""
    from prefect.deployments import run_deployment

    from rules.digital_share import term_of
    from rules.exam_times import STOCKHOLM
    from store.db import transaction
    from store.schema import Occasion

    with transaction() as session:
        term = term_of(session.get_one(Occasion, occasion).starts_at.astimezone(STOCKHOLM).date())
    say("Running retention and the term's statistics …")
    run_deployment("retention/local", timeout=0, parameters={"occasion_uids": [occasion]})
    wait_for("retention", person, timeout)
    run_deployment("term-statistics/local", timeout=0, parameters={"term": term})
    wait_for("term-statistics", person, timeout)
    rows = artifact_data("retention")
    report = str(artifact_data(f"term-statistics-{term.lower()}"))
    return {
        "retention": next(r for r in rows if r["exam"] == occasion),
        "statistics": {"term": term, "headline": report.split("\n\n")[1].rstrip(".")},
    }


def run_inputs() -> dict[str, int]:
    """How many approval forms the runs showed, and how many answers Prefect still holds as run
    input (none: examflow deletes each once it has judged it)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        keys = [
            i.key
            for run in client.read_flow_runs()
            for i in client.filter_flow_run_input(run.id, key_prefix="", limit=1000, exclude_keys=set())
        ]
    return {
        "approval_forms": sum(k.endswith("-description") for k in keys),
        "answers_left_in_run_input": sum(k.endswith("-response") for k in keys),
    }


def side_effects(stack: Stack, outbox: Path) -> dict[str, Any]:
    """Each approval's code mails per approver, and the requests the registers (Ladok and FS) and
    the platform handled by route (`GET /_sim/faults`)."""
    mails = Counter((m.flow_run_id, m.title, m.staff_id) for m in approver.code_mails(outbox))
    return {
        "code_mails": [
            {"run": run, "title": title, "approver": staff, "mails": n}
            for (run, title, staff), n in mails.items()
        ],
        "requests": {
            system: httpx.get(f"http://127.0.0.1:{port}/_sim/faults", timeout=10).json()["requests"]
            for system, port in (
                ("register", stack.ports["ladok"]),
                ("fs", stack.ports["fs"]),
                ("platform", stack.ports["inspera"]),
            )
        },
    }


def seed_sample(stack: Stack, country: str, candidates: int, margin: float) -> tuple[str, int]:
    """The sample exam seeded in its register, its window closing (for those with the most extra
    time) `margin` seconds from now; its occasion uid and how many candidates it has."""
    ladok, fs = stack.env()["EXAMFLOW_LADOK_URL"], stack.env()["EXAMFLOW_FS_URL"]
    if country == "NO":
        window = closing_soon(fs_longest_extra_time(candidates), margin)
        seed_fs_sample(fs, stack.home / "uploads", candidates, window)
        write_rooms(stack.home / "uploads")
        return FS_UNIT, candidates
    term = {"seed": 11, "course_rounds": 2, "occasions": 1, "students": candidates}
    occasion = seed_term(ladok, **term)[0]
    window = closing_soon(term_longest_extra_time(term, occasion), margin)
    prepare_sample(stack, ladok, occasion, term, window)
    return occasion, registrations(ladok, occasion)


def run_demo(
    candidates: int,
    home: Path,
    timeout: float,
    until: str = "archive",
    kill_serve_at: Sequence[str] = (),
    country: str = "NO",
) -> dict[str, Any]:
    stack = Stack(home, {name: free_port() for name in default_ports()})
    killer = ServeKiller(stack, list(kill_serve_at))
    try:
        say(f"Starting the stack in {home} …")
        stack.start_services()
        stack.prepare_store()
        started = time.monotonic()
        stack.serve_deployments(len(deployments(PREFECT_YAML)))
        served = time.monotonic() - started
        # a served run on the way, as a restart of the serving process: a Swedish exam's support
        # decisions are imported (the `accommodations` deployment) before its lifecycle starts
        margin = demo_day.exam_day_margin(served, int("plan-exam" in killer.flows) + int(country == "SE"))
        say(
            f"Serving started in {served:.0f} s; the sample exam's deadline, for those with the most extra "
            f"time, is set {margin:.0f} s to a minute from now"
        )
        occasion, seeded = seed_sample(stack, country, candidates, margin)
        fs = stack.env()["EXAMFLOW_FS_URL"]
        office = import_protocols(fs, home / "fs" / "protocols")
        with stack.in_this_process():
            walked = walk_through(
                occasion, home / "outbox", timeout, until, killer if killer.flows else None, country, office
            )
        return {
            "country": country,
            "candidates": seeded,
            **walked,
            **side_effects(stack, home / "outbox"),
            "serve_killed_at": killer.killed_at,
        }
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("summary.json"))
    parser.add_argument("--home", type=Path, help="state folder (default: a new one under .examflow/)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per phase")
    parser.add_argument(
        "--kill-serve-at",
        action="append",
        default=[],
        metavar="FLOW",
        help="SIGKILL the serving process while a run of FLOW waits for its approval, then start a fresh one",
    )
    parser.add_argument("--until", choices=["result-transfer", "archive"], default="archive")
    parser.add_argument(
        "--country", choices=["SE", "NO"], default="NO", help="the sample exam's country and register"
    )
    args = parser.parse_args()
    (REPO_ROOT / ".examflow").mkdir(exist_ok=True)
    home = args.home or Path(tempfile.mkdtemp(prefix="demo-", dir=REPO_ROOT / ".examflow"))
    result = run_demo(
        args.candidates, home.resolve(), args.timeout, args.until, args.kill_serve_at, args.country
    )
    args.out.write_text(json.dumps(result, indent=2, default=str))
    shown = {k: v for k, v in result.items() if k not in ("approvals", "code_mails", "requests")}
    say(json.dumps(shown, default=str))


if __name__ == "__main__":
    main()
