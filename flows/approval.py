"""One approval mechanism for every flow: a form in the Prefect UI, checked in our store.

In a deployment the run suspends (its process exits; the wait may last days) and replays from
the top on resume, its earlier tasks coming back from cache; without a deployment (tests,
ad-hoc runs) it pauses in process. A wrong answer asks again with the reason; it never fails
the run.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

from prefect import pause_flow_run, suspend_flow_run
from prefect.context import FlowRunContext
from prefect.input import RunInput
from prefect.input.run_input import run_input_subclass_from_type
from prefect.settings import PREFECT_UI_URL
from pydantic import ValidationError

from models.approvals import ApprovalForm, ApprovalRequest, ApprovalTicket, Verdict
from tasks.approvals import check_answer, open_approval

SUSPEND_TIMEOUT_SECONDS = ApprovalRequest.model_fields["valid_hours"].default * 3600  # codes live as long
PAUSE_TIMEOUT_SECONDS = 3600
PAUSE_POLL_SECONDS = 1


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
    ticket = open_approval(
        ApprovalRequest(
            key=f"{run.id}:{kind}",
            occasion_id=occasion_id,
            kind=kind,
            role=role,
            title=title,
            flow_run_id=str(run.id),
            ui_url=_run_url(str(run.id)),
            only=only,
        )
    )
    reason = ""
    for round in count(1):
        described = _form(
            form, describe(ticket, title=title, evidence=evidence, reason=reason), initial or {}
        )
        answer = _wait_for(described, key=f"{kind}-{round}", deployed=run.deployment_id is not None)
        typed, invalid = _typed(form, answer.model_dump(include=set(form.model_fields)))
        problem = invalid or (check(typed) if check else "")
        verdict = check_answer(ticket.approval_id, round, typed, problem)
        if verdict.accepted:
            return verdict, typed
        reason = verdict.reason
    raise AssertionError("unreachable")


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


def _form(form: type[ApprovalForm], description: str, initial: dict[str, Any]) -> type[RunInput]:
    return run_input_subclass_from_type(form).with_initial_data(description=description, **initial)


def _wait_for(form: type[RunInput], *, key: str, deployed: bool) -> RunInput:
    if deployed:
        return suspend_flow_run(wait_for_input=form, key=key, timeout=SUSPEND_TIMEOUT_SECONDS)
    return pause_flow_run(
        wait_for_input=form, key=key, timeout=PAUSE_TIMEOUT_SECONDS, poll_interval=PAUSE_POLL_SECONDS
    )


def _current_run():  # type: ignore[no-untyped-def]
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        raise RuntimeError("an approval can only be asked for inside a flow run")
    return context.flow_run


def _run_url(flow_run_id: str) -> str | None:
    base = PREFECT_UI_URL.value()
    return f"{base}/runs/flow-run/{flow_run_id}" if base else None
