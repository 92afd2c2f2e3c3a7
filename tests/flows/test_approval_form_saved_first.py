"""A suspended approval's form is saved before the run is marked Suspended, so that a process
killed in between leaves a run whose form the UI can still show and resume."""

from __future__ import annotations

import json
from typing import Any

from prefect import flow, get_client
from prefect.input.run_input import keyset_from_base_key, keyset_from_paused_state
from prefect.runtime import flow_run
from prefect.states import Suspended

from flows.approval import _form
from models.approvals import ApprovalForm


def test_the_key_saved_first_is_the_one_prefects_suspended_state_names() -> None:
    assert keyset_from_base_key("suspended-plan-1") == keyset_from_paused_state(Suspended(pause_key="plan-1"))


@flow
def save_twice(key: str) -> str:
    form = _form(ApprovalForm, "Approve the plan", {"decision": "approve"})
    keyset = keyset_from_base_key(f"suspended-{key}")
    form.save(keyset)
    form.save(keyset)  # Prefect's own save after the state change, or a replayed run: no conflict
    return str(flow_run.get_id())


def test_a_form_saved_first_is_there_and_saving_it_again_changes_nothing(prefect_harness: None) -> None:
    run_id = save_twice("plan-1")
    keyset = keyset_from_base_key("suspended-plan-1")
    with get_client(sync_client=True) as client:
        schema: Any = json.loads(client.read_flow_run_input(run_id, keyset["schema"]))
        description = json.loads(client.read_flow_run_input(run_id, keyset["description"]))
    assert {"approver_id", "decision", "approval_code"} <= set(schema["properties"])
    assert schema["properties"]["decision"]["default"] == "approve"
    assert description == "Approve the plan"
