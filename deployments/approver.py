"""A scripted approver, as a person would act: read the one-time code from the mail folder,
fill in the form of a paused or suspended flow run, resume it through Prefect's API."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.flow_runs import resume_flow_run


@dataclass(frozen=True)
class CodeMail:
    staff_id: str
    flow_run_id: str
    code: str
    title: str
    link: str = ""
    why: str = ""
    file: str = ""


def _field(body: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}: (.+)$", body, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _link(body: str) -> str:
    """The page of the run that waits, from the mail's `Open <page> and choose Resume.` line."""
    match = re.search(r"^Open (\S+) and choose Resume\.$", body, re.MULTILINE)
    return match.group(1) if match else ""


def code_mails(outbox: Path) -> list[CodeMail]:
    """Every approval-code mail in the folder, oldest first."""
    mails = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        code = _field(body, "One-time approval code")
        if code:
            mails.append(
                CodeMail(
                    _field(body, "Your staff id"),
                    _field(body, "Flow run"),
                    code,
                    _field(body, "Your approval is asked for"),
                    link=_link(body),
                    why=_field(body, "Why a new code"),
                    file=path.name,
                )
            )
    return mails


def mail_for(outbox: Path, flow_run_id: str, staff_id: str | None = None) -> CodeMail | None:
    """The code for the approval the run waits on now (its newest mails), sent to `staff_id` when
    given: a code from an earlier approval of the same run is no answer to this one."""
    for_run = [m for m in code_mails(outbox) if m.flow_run_id == flow_run_id]
    if not for_run:
        return None
    current = [m for m in for_run if m.title == for_run[-1].title]
    found = [m for m in current if staff_id is None or m.staff_id == staff_id]
    return found[-1] if found else None


def paused_runs(flow_name: str | None = None) -> list[FlowRun]:
    """Flow runs waiting in Paused (or Suspended, which Prefect reports as a paused state)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            )
        )
        if flow_name is None:
            return list(runs)
        names = {f.id: f.name for f in client.read_flows()}
    return [r for r in runs if names.get(r.flow_id) == flow_name]


def is_about(run: FlowRun, occasion_uid: str) -> bool:
    """Whether the run's parameters name the exam occasion (`occasion_uid`, or in `occasion_uids`)."""
    params = (run.parameters or {}).get("params") or {}
    return occasion_uid == params.get("occasion_uid") or occasion_uid in (params.get("occasion_uids") or [])


def answer(
    flow_run_id: UUID | str,
    mail: CodeMail,
    *,
    decision: str = "approve",
    comment: str = "",
    code: str | None = None,
    **extra: Any,
) -> None:
    """Resumes the run with a filled-in form; raises with the server's reason when it refuses."""
    run_input = {
        "approver_id": mail.staff_id,
        "decision": decision,
        "comment": comment,
        "approval_code": code or mail.code,
        **extra,
    }
    resume_flow_run(UUID(str(flow_run_id)), run_input=run_input)


def answer_waiting(
    outbox: Path, answered: set[tuple[str, str]], comment: str, occasion_uid: str | None = None
) -> None:
    """Approves each waiting run (of `occasion_uid`'s exam alone, when given) once with the code
    mailed for the approval it waits on now; `answered` keeps the (run, code) pairs already sent,
    so a run not yet resumed is not answered twice."""
    for run in paused_runs():
        if occasion_uid is not None and not is_about(run, occasion_uid):
            continue
        mail = mail_for(outbox, str(run.id))
        if mail is None or (str(run.id), mail.code) in answered:
            continue
        answer(run.id, mail, comment=comment)
        answered.add((str(run.id), mail.code))
