"""The Prefect UI in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium, never
a downloaded browser) against the stack `make run` starts (a Prefect server, the stand-ins, the
served deployments), and a coordinator resumes the suspended `plan-exam` run through the v2 UI's
own form, as the README tells them to, the approvals inbox listing the waiting run until it is
answered.

Without /usr/bin/chromium the test is skipped with the reason; under CI it fails instead. On
failure the page is kept as screenshots under the test's tmp path (the path is in the report).
The run page keeps most of a core busy: this is the suite's one browser test."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from deployments import approver
from deployments.run import prepare_sample, sample_lifecycle
from deployments.sample import seed_term
from deployments.serve import PREFECT_YAML, deployments
from deployments.stack import Stack, default_ports
from simulators.server import free_port
from tests.conftest import running_in_ci

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's flags for a machine without a display or a sandbox; no update, sync or QUIC traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TERM = {"seed": 11, "course_rounds": 2, "occasions": 1, "students": 8}
WRONG_CODE = "ZZZZ2345"  # of the codes' alphabet and length: the server takes it, examflow refuses it
REFUSED = "the approval code is not the one sent to you for this approval"


def chromium_or_skip() -> None:
    """Skips without Debian's Chromium or Playwright; under CI a missing browser is a failure."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the Python package playwright is not installed (pip install -r requirements.lock)"
    else:
        found = CHROMIUM.exists()
        missing = (
            "" if found else f"{CHROMIUM} is missing (make chromium, or as root: apt-get install chromium)"
        )
    if not missing:
        return
    if running_in_ci():
        pytest.fail(f"CI must run the browser test, but {missing}", pytrace=False)
    pytest.skip(missing)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The served stack of `make run` on free ports, the sample exam's lifecycle started."""
    chromium_or_skip()
    served = Stack(tmp_path / "home", {name: free_port() for name in default_ports()})
    try:
        served.start_services()
        served.prepare_store()
        ladok = served.env()["EXAMFLOW_LADOK_URL"]
        occasion = seed_term(ladok, **TERM)[0]
        prepare_sample(served, ladok, occasion, TERM)
        served.serve_deployments(len(deployments(PREFECT_YAML)))
        with served.in_this_process():
            from prefect.deployments import run_deployment

            run_deployment("lifecycle/local", parameters={"params": sample_lifecycle(occasion)}, timeout=0)
            yield served
    finally:
        served.stop()


def test_a_coordinator_resumes_the_plan_through_the_ui_form(stack: Stack, tmp_path: Path) -> None:
    plan = waiting_run("plan-exam")
    occasion = plan.parameters["params"]["occasion_uid"]
    mail = approver.mail_for(stack.home / "outbox", str(plan.id))
    assert mail is not None and mail.staff_id == "staff-coordinator-1"
    with browser_page(tmp_path / "screenshots") as page:
        page.goto(f"{stack.ui_url}/v2/runs/flow-run/{plan.id}")
        dialog = open_resume_form(page)
        fill_in(page, dialog, approver_id=mail.staff_id, code=WRONG_CODE)
        resumed_by_ui(page, dialog)
        assert waiting_run("plan-exam", after=plan.state.id).id == plan.id
        assert not syncs_for(occasion)

        open_inbox(page, stack.ui_url)
        shows(page.get_by_text(str(plan.id)).first)  # the inbox links the waiting run
        page.goto(f"{stack.ui_url}/v2/runs/flow-run/{plan.id}")
        dialog = open_resume_form(page)
        expect_text(dialog, f"Your last answer was not accepted: {REFUSED}")
        fill_in(page, dialog, approver_id=mail.staff_id, code=mail.code)
        resumed_by_ui(page, dialog)
        completed(plan.id)
        assert syncs_for(occasion), "the plan was approved but its next phase not started"
        page.reload()
        shows(page.get_by_text("Completed", exact=True).first)
        open_inbox(page, stack.ui_url)
        cleared(page.get_by_text(str(plan.id)))  # decided: the inbox no longer lists it


# --- the browser ------------------------------------------------------------------------------------


@contextmanager
def browser_page(screenshots: Path) -> Iterator[Any]:
    """A page of a fresh headless Chromium that reaches loopback only; on failure it is saved as a
    screenshot in `screenshots`, whose path the failure names."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a loaded machine renders the run page slowly
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(screenshots.parent / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.route("**/*", _loopback_only)
        page = context.new_page()
        try:
            yield page
        except BaseException as failure:
            screenshots.mkdir(parents=True, exist_ok=True)
            shot = screenshots / "failure.png"
            page.screenshot(path=str(shot), full_page=True)
            failure.add_note(f"the page at the failure: {shot}")
            print(f"screenshot of the failure: {shot}")
            raise
        finally:
            context.close()


def _loopback_only(route: Any) -> None:
    """The UI calls an analytics host: only the local stack is let through."""
    host = route.request.url.split("/")[2].split(":")[0]
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def open_resume_form(page: Any) -> Any:
    """Menu → Resume on the page of a run suspended for its approval; the dialog of its form."""
    shows(page.get_by_text("Suspended", exact=True).first)
    page.get_by_role("button", name="Open menu").first.click()
    page.get_by_role("menuitem", name="Resume").click()
    dialog = page.get_by_role("dialog", name="Resume Flow Run")
    shows(dialog.get_by_role("heading", name=re.compile(r"^Approve the plan of ")))  # the form's markdown
    return dialog


def open_inbox(page: Any, ui_url: str) -> None:
    """The newest version of the approvals inbox: its key's page lists the versions, newest first."""
    page.goto(f"{ui_url}/v2/artifacts/key/approvals-inbox")
    page.get_by_role("link", name=re.compile(r"^[0-9a-f]{8}$")).first.click()
    shows(page.get_by_text("Approvals inbox:").first)


def fill_in(page: Any, dialog: Any, *, approver_id: str, code: str) -> None:
    dialog.get_by_label("Approver Id", exact=True).fill(approver_id)
    dialog.get_by_role("button", name="Select Decision").click()
    page.get_by_role("option", name="approve", exact=True).click()  # the list opens outside the dialog
    dialog.get_by_label("Comment (Optional)", exact=True).fill("checked in the browser test")
    dialog.get_by_label("Approval Code", exact=True).fill(code)


def resumed_by_ui(page: Any, dialog: Any) -> None:
    dialog.get_by_role("button", name="Resume", exact=True).click()
    shows(page.get_by_text("Flow run resumed"))


def shows(locator: Any) -> None:
    from playwright.sync_api import expect

    expect(locator).to_be_visible()


def cleared(locator: Any) -> None:
    from playwright.sync_api import expect

    expect(locator).to_have_count(0)


def expect_text(locator: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text)


# --- the runs, read from the API --------------------------------------------------------------------


def runs_of(flow: str) -> list[Any]:
    from deployments.demo import flow_runs

    return flow_runs(flow)


def syncs_for(occasion: str) -> list[Any]:
    """The registration-sync runs started for the occasion (not those of its nightly schedule)."""
    runs = runs_of("registration-sync")
    return [r for r in runs if occasion in r.parameters.get("params", {}).get("occasion_uids", [])]


def waiting_run(flow: str, after: Any = None, timeout: float = 300) -> Any:
    """The one run of `flow` waiting for an answer, in a paused state other than `after` (the
    state it waited in before an answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        paused = approver.paused_runs(flow)
        if paused and paused[0].state is not None and paused[0].state.id != after:
            assert len(paused) == 1, paused
            return paused[0]
        time.sleep(0.5)
    states = [f"{r.name}: {r.state.name if r.state else '?'}" for r in runs_of(flow)]
    raise AssertionError(f"no run of {flow} waited for an answer within {timeout:.0f} s: {states}")


def completed(run_id: Any, timeout: float = 300) -> None:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            if state is not None and state.is_completed():
                return
            if state is not None and state.is_final():
                raise AssertionError(f"the run ended {state.name}: {state.message}")
            time.sleep(0.5)
    raise AssertionError(f"the run did not complete within {timeout:.0f} s")
