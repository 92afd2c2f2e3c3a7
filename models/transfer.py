"""What a result transfer will do, and did, per candidate and in sum."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from models.domain import Frozen


class Action(StrEnum):
    NEW = "new"  # no draft in the register: create one
    UPDATE = "update"  # a draft with another grade, scale or examination date: update it
    UNCHANGED = "unchanged"  # the register already holds exactly this
    LOCKED = "locked"  # attested in the register: never touched


class TransferItem(Frozen):
    registration_id: int
    candidate: str
    study_result_uid: str
    module_uid: str
    grade: str
    exam_date: date
    points: float | None = None  # shown to the planner; kept in examflow's store, not written
    action: Action


class TransferOutcome(Frozen):
    written: int
    unchanged: int
    locked: int
    failed: list[dict[str, str]]
    ledger: dict[str, int]
