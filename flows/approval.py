"""One approval mechanism for every flow: a form in the Prefect UI, checked in our store.

In a deployment the run suspends (its process exits; the wait may last days) and replays from
the top on resume, its earlier tasks coming back from cache; without a deployment (tests,
ad-hoc runs) it pauses in process. A wrong answer asks again with the reason; it never fails
the run.
"""

from __future__ import annotations

from itertools import count

from prefect import pause_flow_run, suspend_flow_run
from prefect.context import FlowRunContext
from prefect.input import RunInput
from prefect.input.run_input import run_input_subclass_from_type
from prefect.settings import PREFECT_UI_URL

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
) -> tuple[Verdict, ApprovalForm]:
    """Asks the holders of `role` to decide; returns the accepted verdict and the answer."""
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
        described = _form(form, describe(ticket, title=title, evidence=evidence, reason=reason))
        answer = _wait_for(described, key=f"{kind}-{round}", deployed=run.deployment_id is not None)
        typed = form.model_validate(answer.model_dump(include=set(form.model_fields)))
        verdict = check_answer(ticket.approval_id, round, typed)
        if verdict.accepted:
            return verdict, typed
        reason = verdict.reason
    raise AssertionError("unreachable")


def describe(ticket: ApprovalTicket, *, title: str, evidence: str, reason: str) -> str:
    """The markdown shown above the form in the Prefect UI."""
    refused = f"> **Your last answer was not accepted:** {reason}. Please try again.\n\n" if reason else ""
    return (
        f"## {title}\n\n{refused}{evidence}\n\n"
        f"**Who may decide:** the {ticket.role} role ({', '.join(ticket.approvers)}). Each was sent a "
        f"one-time approval code, valid until {ticket.expires_at:%Y-%m-%d %H:%M} UTC.\n\n"
        "Fill in your staff id, your decision, a comment and your code, then resume."
    )


def _form(form: type[ApprovalForm], description: str) -> type[RunInput]:
    return run_input_subclass_from_type(form).with_initial_data(description=description)


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
