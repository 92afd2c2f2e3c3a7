"""The sync's shrink guard: a register answer that empties an occasion,
halves it, or takes anyone off an active test is held (nothing of that occasion written to the store
or the platform) while the other occasions sync; the nightly run starts one review run per held
occasion and never waits; the review asks a coordinator, applies on approval (asking again should
the register by then remove more than was shown) and leaves the occasion as it is on rejection.

The module has a Ladok stand-in of its own (its term must be changed freely); the platform, store
and Prefect are the flows' shared ones. The `registration-sync` deployment is registered but nobody
serves it, so the review runs the nightly run starts wait Scheduled and are read back through
Prefect's API; each review is then run as that run would, by calling the flow with its parameters.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.artifacts import Artifact
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.input.actions import read_flow_run_input
from sqlalchemy import select

from deployments import approver
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from models.approvals import ApprovalRequest
from models.domain import Role
from models.params import ExamTimes, PlanExam, SyncRegistrations
from models.settings import settings_from_env
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from store import approvals, audit, occasions, registrations
from store.db import transaction
from store.schema import Approval
from tasks import platform_results
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving

COORDINATOR = "staff-coordinator-1"


class Register:
    """The module's own Ladok stand-in, driven through its control endpoints."""

    def __init__(self, url: str, occasions: list[str]) -> None:
        self.url = url
        self.occasions = occasions

    def students(self, occasion: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/_sim/registrations", params={"occasion": occasion})
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def deregister(self, occasion: str, student_uids: list[str]) -> None:
        for uid in student_uids:
            response = httpx.post(
                f"{self.url}/_sim/registrations",
                json={"occasion_uid": occasion, "student_uid": uid, "registered": False},
            )
            response.raise_for_status()

    def times(self, occasion: str) -> ExamTimes:
        """09:00-13:00 on the occasion's first day in the register."""
        response = httpx.get(f"{self.url}/resultat/aktivitetstillfalle/{occasion}")
        response.raise_for_status()
        day = date.fromisoformat(response.json()["Datumperiod"]["Startdatum"])
        return ExamTimes(exam_date=day, start_time=clock(9, 0), end_time=clock(13, 0))


@pytest.fixture(scope="module")
def register(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    home = tmp_path_factory.mktemp("shrink-ladok")
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_thread(ladok_sim.create_app(home / "ladok.db")))
        stack.enter_context(examflow_environment({"EXAMFLOW_LADOK_URL": f"{url}/"}))
        term = httpx.post(
            f"{url}/_sim/term",
            timeout=30,
            json={"seed": 41, "course_rounds": 2, "occasions": 4, "students": 80},
        )
        term.raise_for_status()
        registration_sync.to_deployment(name="local").apply()
        yield Register(url, term.json()["occasions"])


@pytest.fixture(scope="module")
def planned(world: World, register: Register) -> list[str]:
    """The four occasions planned (each with its platform test) and synced once."""
    for uid in register.occasions:
        with approving(world.outbox, COORDINATOR):
            plan_exam(PlanExam(occasion_uid=uid, times=register.times(uid), code_prefix="SHR"))
    registration_sync(SyncRegistrations(occasion_uids=register.occasions))
    return register.occasions


def _registered(occasion: str) -> set[str]:
    with transaction() as session:
        return {r.student_uid for r in registrations.registered(session, occasion_id=occasion)}


def _on_platform(occasion: str) -> set[str]:
    with systems().platform() as client:
        return {
            c.external_user_id for c in client.list_candidates(platform_results.platform_test_id(occasion))
        }


def _codes(occasion: str, student_uids: set[str]) -> list[str]:
    with transaction() as session:
        codes = registrations.codes(session, occasion_id=occasion)
    return sorted(codes[s] for s in student_uids)


@pytest.fixture(scope="module")
def nightly(world: World, register: Register, planned: list[str]) -> dict[str, Any]:
    """The register's answers change: the first occasion empty, the second halved, one student off
    the third while its test is active, one off the fourth (a small change); then the nightly run."""
    empty, halved, active, small = planned
    before = {o: _registered(o) for o in planned}
    names = _names(planned)
    gone = {
        empty: sorted(before[empty]),
        halved: sorted(before[halved])[: len(before[halved]) // 2],
        active: sorted(before[active])[:1],
        small: sorted(before[small])[:1],
    }
    for occasion, students in gone.items():
        register.deregister(occasion, students)
    with transaction() as session:
        occasions.set_status(session, occasion_id=active, status="active")
    state = registration_sync(SyncRegistrations(occasion_uids=planned), return_state=True)
    return {
        "totals": state.result(),
        "run_id": str(state.state_details.flow_run_id),
        "before": before,
        "gone": gone,
        "names": names,
    }


def _names(occasions_: list[str]) -> set[str]:
    """Every student's first and last name in the register at the start (never to be shown)."""
    with systems().register() as client:
        found = client.registered_many(occasions_)
    return {n for rows in found.values() for r in rows for n in (r.first_name, r.last_name) if n}


def test_only_the_small_change_is_applied_and_the_held_occasions_are_untouched(nightly: dict[str, Any]):
    empty, halved, active, small = nightly["before"]
    assert nightly["totals"]["held"] == 3
    assert nightly["totals"]["removals"] == 1 and nightly["totals"]["platform_removed"] == 1
    assert _registered(small) == nightly["before"][small] - set(nightly["gone"][small])
    assert _on_platform(small) == _registered(small)
    for occasion in (empty, halved, active):
        assert _registered(occasion) == nightly["before"][occasion]
        assert _on_platform(occasion) == nightly["before"][occasion]


def test_the_held_occasions_are_listed_audited_by_counts_and_logged_without_names(nightly: dict[str, Any]):
    empty, halved, active, _ = nightly["before"]
    rows = _table("registration-held")
    by_occasion = {r["occasion"]: r for r in rows}
    assert set(by_occasion) == {empty, halved, active}
    held = len(nightly["before"][empty])
    assert (by_occasion[empty]["held"], by_occasion[empty]["answered"]) == (held, 0)
    assert by_occasion[empty]["would remove"] == held
    assert by_occasion[empty]["reason"] == f"the register answered no students where we hold {held}"
    assert "more than 10%" in by_occasion[halved]["reason"]
    assert by_occasion[active]["reason"].startswith("the test is active")
    with transaction() as session:
        events = [
            e.detail
            for o in (empty, halved, active)
            for e in audit.events(session, occasion_id=o, action="registrations.held")
        ]
    assert len(events) == 3 and all(set(e) == {"held", "answered", "removals", "reason"} for e in events)
    logs = _logs(nightly["run_id"], lambda text: "Held occasion" in text)
    for occasion in (empty, halved, active):
        assert f"Held occasion {occasion} for a coordinator" in logs
    assert "Batch 1: 4 occasion(s), 0 added, 1 removed, 3 held for a coordinator." in logs
    assert not any(name in logs for name in nightly["names"])


def test_the_nightly_run_starts_one_review_run_per_held_occasion(nightly: dict[str, Any]):
    empty, halved, active, _ = nightly["before"]
    runs = _review_runs(nightly["run_id"])
    started = {tuple(r.parameters["params"]["occasion_uids"]): r.parameters["params"] for r in runs}
    assert set(started) == {(empty,), (halved,), (active,)}
    assert all(p["review_shrink"] is True and p["chain"] is False for p in started.values())
    assert {r["review run"] for r in _table("registration-held")} == {str(r.id) for r in runs}


def test_an_approved_empty_answer_is_applied(world: World, nightly: dict[str, Any]):
    empty = list(nightly["before"])[0]
    with approving(world.outbox, COORDINATOR) as person:
        totals = registration_sync(SyncRegistrations(occasion_uids=[empty], review_shrink=True))
    assert totals["removals"] == len(nightly["before"][empty]) and totals["held"] == 0
    assert _registered(empty) == set() and _on_platform(empty) == set()
    form = read_flow_run_input(
        "paused-registration-shrink-1-1-description", flow_run_id=person.answers[0]["flow_run_id"]
    )
    assert ", ".join(_codes(empty, nightly["before"][empty])) in form
    assert not any(name in form for name in nightly["names"])
    with transaction() as session:
        decided = audit.events(session, occasion_id=empty, action="registrations.shrink-applied")
    assert [e.actor for e in decided] == [COORDINATOR]


def test_a_rejected_drop_leaves_the_occasion_as_it_was(world: World, nightly: dict[str, Any]):
    halved = list(nightly["before"])[1]
    with approving(world.outbox, COORDINATOR, extra={"decision": "reject"}):
        totals = registration_sync(SyncRegistrations(occasion_uids=[halved], review_shrink=True))
    assert totals["held"] == 1 and totals["removals"] == 0
    assert _registered(halved) == nightly["before"][halved] == _on_platform(halved)
    with transaction() as session:
        decided = audit.events(session, occasion_id=halved, action="registrations.shrink-rejected")
    assert [e.detail["removals"] for e in decided] == [len(nightly["gone"][halved])]


def test_a_removal_beyond_what_was_approved_is_asked_again(
    world: World, register: Register, nightly: dict[str, Any]
):
    """While the coordinator reads the first form, the register drops one more student of the active
    test: the approval shown does not cover them, so a second form shows both."""
    active = list(nightly["before"])[2]
    another = sorted(nightly["before"][active] - set(nightly["gone"][active]))[:1]
    with answering(world, lambda: register.deregister(active, another)) as answered:
        totals = registration_sync(SyncRegistrations(occasion_uids=[active], review_shrink=True))
    assert len(answered) == 2
    assert totals["removals"] == 2
    assert _registered(active) == nightly["before"][active] - {*nightly["gone"][active], *another}
    assert _on_platform(active) == _registered(active)
    with transaction() as session:
        kinds = session.scalars(
            select(Approval.kind).where(Approval.occasion_id == active).order_by(Approval.id)
        )
        assert [k for k in kinds if k.startswith("registration-shrink")] == [
            "registration-shrink-1",
            "registration-shrink-2",
        ]
        decided = audit.events(session, occasion_id=active, action="registrations.shrink-applied")
    assert [(e.actor, e.detail["removals"]) for e in decided] == [(COORDINATOR, 2)]


def test_a_review_of_an_answer_no_longer_held_applies_it_without_asking(
    world: World, nightly: dict[str, Any]
):
    small = list(nightly["before"])[3]
    with approving(world.outbox, COORDINATOR) as person:
        totals = registration_sync(SyncRegistrations(occasion_uids=[small], review_shrink=True))
    assert person.answers == [] and totals["held"] == 0 and totals["removals"] == 0
    with transaction() as session:
        kinds = session.scalars(select(Approval.kind).where(Approval.occasion_id == small))
        assert not [k for k in kinds if k.startswith("registration-shrink")]


def test_no_second_review_is_started_while_one_waits_for_a_coordinator(world: World, nightly: dict[str, Any]):
    halved = list(nightly["before"])[1]  # rejected above: the register still answers half
    request = ApprovalRequest(
        key="waiting-review",
        occasion_id=halved,
        kind="registration-shrink-1",
        role=Role.COORDINATOR,
        title="a review left waiting",
        flow_run_id="an-earlier-review-run",
    )
    with transaction() as session:
        approvals.open_approval(session, request=request, now=datetime.now(UTC))
    state = registration_sync(SyncRegistrations(occasion_uids=[halved]), return_state=True)
    assert state.result()["held"] == 1
    assert [r["review run"] for r in _table("registration-held")] == ["an-earlier-review-run"]
    assert not _review_runs(str(state.state_details.flow_run_id))


def test_the_share_is_a_setting_and_a_wrong_one_is_refused_by_name():
    assert settings_from_env({}).sync_max_removed_share == 0.10
    assert settings_from_env({"EXAMFLOW_SYNC_MAX_REMOVED_SHARE": "0.5"}).sync_max_removed_share == 0.5
    for wrong in ("half", "1.5", "-0.1"):
        with pytest.raises(ValueError, match=f"EXAMFLOW_SYNC_MAX_REMOVED_SHARE: '{wrong}' is not a share"):
            settings_from_env({"EXAMFLOW_SYNC_MAX_REMOVED_SHARE": wrong})


def test_a_review_is_for_one_occasion():
    with pytest.raises(ValueError, match="review_shrink reviews exactly one occasion"):
        SyncRegistrations(occasion_uids=["a", "b"], review_shrink=True)


@contextmanager
def answering(world: World, first: Callable[[], None]) -> Iterator[list[str]]:
    """Approves each form the coordinator is mailed, calling `first` before the first answer."""
    answered: list[str] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            for run in approver.paused_runs():
                mail = approver.mail_for(world.outbox, str(run.id), COORDINATOR)
                if mail is None or mail.code in answered:
                    continue
                if not answered:
                    first()
                approver.answer(run.id, mail, decision="approve", comment="checked")
                answered.append(mail.code)
            stop.wait(0.3)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield answered
    finally:
        stop.set()
        thread.join(timeout=10)


def _review_runs(nightly_run_id: str) -> list[Any]:
    """The `registration-sync` runs the nightly run started (its id leads their idempotency keys)."""
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("registration-sync/local")
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )
    return [r for r in runs if (r.idempotency_key or "").startswith(f"{nightly_run_id}:shrink-review:")]


def _table(key: str) -> list[dict[str, Any]]:
    artifact = Artifact.get(key)
    assert artifact is not None
    data = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    return list(data)


def _logs(run_id: str, ready: Callable[[str], bool]) -> str:
    """The run's log messages (its tasks' included), read back once the API holds them."""
    text = ""
    for _ in range(40):
        with get_client(sync_client=True) as client:
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)])))
        text = "\n".join(log.message for log in logs)
        if ready(text):
            return text
        time.sleep(0.25)
    return text
