"""One approval mechanism for every flow: a form in the Prefect UI, checked in our store. Not a flow
itself but the shared step every flow calls; the one module of flows/ that a flow may import.

In a deployment the run suspends (its process exits; the wait may last days) and replays from
the top on resume; without a deployment (tests, ad-hoc runs) it pauses in process. A wrong answer
asks again with the reason; it never fails the run. Each answer is deleted from Prefect's run input
once examflow has judged it, so a replayed run takes each round's verdict from our store. An
approval left unanswered until its expiry fails the run with how to start it again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from itertools import count
from typing import Any
from uuid import UUID

import httpx
from prefect import pause_flow_run, suspend_flow_run
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput
from prefect.input.run_input import Keyset, keyset_from_base_key
from prefect.runtime import deployment
from prefect.settings import PREFECT_UI_URL
from pydantic import ValidationError

from models.approvals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ApprovalForm,
    ApprovalRequest,
    ApprovalTicket,
    Verdict,
)
from rules.exam_names import run_link
from tasks.approvals import (
    check_answer,
    earlier_verdict,
    expire_approval,
    fail_run,
    forget_answer,
    open_approval,
)
from tasks.approvals_inbox import publish_inbox
from tasks.clock import now

# A suspended run outlasts its approval's expiry by this much, so that the `approval-reminders`
# sweep (every 15 minutes) fails it with the message that says how to start again; the server's own
# pause timeout, an hour later, is the backstop. An answer after the expiry is refused on resume.
SUSPEND_GRACE_SECONDS = 3600
PAUSE_POLL_SECONDS = 1


class ApprovalExpired(RuntimeError):
    """Nobody decided before the approval's expiry; the message says how to start the run again."""


def ask_for_approval(
    *,
    kind: str,
    occasion_id: str,
    role: str,
    title: str,
    evidence: str,
    form: type[ApprovalForm] = ApprovalForm,
    only: tuple[str, ...] = (),
    check: Callable[[ApprovalForm], str] | None = None,
    initial: dict[str, Any] | None = None,
) -> tuple[Verdict, ApprovalForm]:
    """Asks the holders of `role` to decide; returns the accepted verdict and the answer. `check`
    judges the answer's own content (beyond who answered and the code): '' when fine, else the reason
    it is asked again. `initial` fills in the form's fields to start from."""
    run = _current_run()
    deployed = run.deployment_id is not None
    ticket = _open(run, deployed, kind=kind, occasion_id=occasion_id, role=role, title=title, only=only)
    publish_inbox()
    reason = ""
    for round in count(1):
        key = f"{kind}-{round}"
        verdict = earlier_verdict(ticket.approval_id, round)
        if verdict is None:
            description = describe(ticket, title=title, evidence=evidence, reason=reason)
            described = _form(form, description, initial or {})
            verdict = _ask(str(run.id), ticket, round, form, described, key, deployed, check)
        forget_answer(str(run.id), _response_key(key, deployed))
        if verdict.expired:
            raise ApprovalExpired(verdict.reason)
        if verdict.accepted:
            publish_inbox()
            return verdict, _answer(form, verdict.fields)
        reason = verdict.reason
    raise AssertionError("unreachable")


def _open(
    run: Any, deployed: bool, *, kind: str, occasion_id: str, role: str, title: str, only: tuple[str, ...]
) -> ApprovalTicket:
    """The approval opened in our store, which mails its codes; keyed on the run and `kind`, so a
    replayed run opens no second one."""
    return open_approval(
        ApprovalRequest(
            key=f"{run.id}:{kind}",
            occasion_id=occasion_id,
            kind=kind,
            role=role,
            title=title,
            restart=_restart_hint(run, deployed),
            flow_run_id=str(run.id),
            ui_url=_run_url(str(run.id)),
            only=only,
        )
    )


def _ask(
    flow_run_id: str,
    ticket: ApprovalTicket,
    round: int,
    form: type[ApprovalForm],
    described: type[RunInput],
    key: str,
    deployed: bool,
    check: Callable[[ApprovalForm], str] | None,
) -> Verdict:
    """Waits for one answer until the approval's expiry and judges it. At the expiry the approval is
    expired and the run failed with the message that says how to start it again."""
    try:
        left = math.ceil((ticket.expires_at - now()).total_seconds())
        if left <= 0:
            raise FlowPauseTimeout("the approval expired before it was asked")
        answer = _wait_for(described, key=key, deployed=deployed, seconds=left)
    except FlowPauseTimeout:
        message = expire_approval(ticket.approval_id)
        fail_run(flow_run_id, message)
        raise ApprovalExpired(message) from None
    typed, invalid = _typed(form, answer.model_dump(include=set(form.model_fields)))
    problem = invalid or (check(typed) if check else "")
    return check_answer(ticket.approval_id, round, typed, problem)


def _answer(form: type[ApprovalForm], fields: dict[str, Any]) -> ApprovalForm:
    """The accepted answer as `form`, from its fields as kept in our store: its code was left out
    there, so a stand-in passes the code's pattern and is then blanked."""
    stand_in = CODE_ALPHABET[0] * CODE_LENGTH
    return form.model_validate({**fields, "approval_code": stand_in}).model_copy(update={"approval_code": ""})


def _response_key(key: str, deployed: bool) -> str:
    """Where Prefect keeps the answer to the form of `key` (see prefect.input.keyset_from_paused_state)."""
    return f"{'suspended' if deployed else 'paused'}-{key}-response"


def _restart_hint(run: Any, deployed: bool) -> str:
    """How to start this run again, for the message of an expired approval."""
    flow_name = FlowRunContext.get().flow.name  # type: ignore[union-attr]
    values = json.dumps(run.parameters, sort_keys=True, default=str)
    if deployed:
        name = f"{flow_name}/{deployment.name}"
        return (
            f"To start again, run the deployment '{name}' with the same parameters "
            f"(prefect deployment run '{name}' --params '{values}'); it asks for a new approval."
        )
    return f"To start again, run the flow '{flow_name}' with the parameters {values}; it asks for a new approval."


def _typed(form: type[ApprovalForm], fields: dict[str, Any]) -> tuple[ApprovalForm, str]:
    """The answer as `form`, or its common fields and what is invalid in it: a form with fields
    filled in to start from is not validated by the server, so examflow does it."""
    try:
        return form.model_validate(fields), ""
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        common = {name: fields.get(name, "") for name in ApprovalForm.model_fields}
        return ApprovalForm.model_construct(**common), f"the form is not valid ({problems})"


def describe(ticket: ApprovalTicket, *, title: str, evidence: str, reason: str) -> str:
    """The markdown shown above the form in the Prefect UI."""
    refused = f"> **Your last answer was not accepted:** {reason}. Please try again.\n\n" if reason else ""
    return (
        f"## {title}\n\n{refused}{evidence}\n\n"
        f"**Who may decide:** the {ticket.role} role ({', '.join(ticket.approvers)}). Each was sent a "
        f"one-time approval code, valid until {ticket.expires_at:%Y-%m-%d %H:%M} UTC.\n\n"
        "Fill in your staff id, your decision, a comment and your code, then resume."
    )


class FormSavedFirst(RunInput):
    """A resume form whose schema may be saved before the run is suspended. Prefect marks a run
    Suspended and only then saves the form's schema: a process killed in between would leave a run
    nobody can resume from the UI. Saving it first, and letting Prefect's own save find it there,
    closes that gap; a replayed run finds it there too."""

    @classmethod
    def save(cls, keyset: Keyset, flow_run_id: UUID | None = None) -> None:
        try:
            super().save(keyset, flow_run_id)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != httpx.codes.CONFLICT:
                raise

    @classmethod
    async def asave(cls, keyset: Keyset, flow_run_id: UUID | None = None) -> None:
        try:
            await super().asave(keyset, flow_run_id)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != httpx.codes.CONFLICT:
                raise


def _form(form: type[ApprovalForm], description: str, initial: dict[str, Any]) -> type[RunInput]:
    saved_first: type[FormSavedFirst] = type(f"{form.__name__}RunInput", (FormSavedFirst, form), {})
    return saved_first.with_initial_data(description=description, **initial)


def _wait_for(form: type[RunInput], *, key: str, deployed: bool, seconds: int) -> RunInput:
    if deployed:
        form.save(keyset_from_base_key(f"suspended-{key}"))  # the key Prefect's Suspended state names
        return suspend_flow_run(wait_for_input=form, key=key, timeout=seconds + SUSPEND_GRACE_SECONDS)
    return pause_flow_run(wait_for_input=form, key=key, timeout=seconds, poll_interval=PAUSE_POLL_SECONDS)


def _current_run():
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        raise RuntimeError("an approval can only be asked for inside a flow run")
    return context.flow_run


def _run_url(flow_run_id: str) -> str | None:
    return run_link(PREFECT_UI_URL.value(), flow_run_id)
