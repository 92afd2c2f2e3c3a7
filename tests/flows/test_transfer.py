"""result-transfer of a Swedish exam (drafts in Ladok): the flow under Prefect with its planner's form answered from outside (a wrong
role first), each grade written once; the register down; a result attested in the register."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from flows.result_transfer import result_transfer
from integrations.http import Unavailable
from models.domain import Country
from models.ladok_codes import GRADE_CODES
from models.params import OccasionStep
from models.transfer import Action
from store.db import transaction
from store.schema import Grade, Occasion, Registration, TransferLedgerEntry
from tasks.transfer import preview_transfer, transfer_results
from tests.flows.conftest import World, approving
from tests.flows.exams import Phase, count, exam_at, refusals


def test_transfer_with_the_register_down_fails_clearly_and_writes_nothing(world: World):
    occasion = exam_at(world, Phase.GRADED, Country.SE).occasion
    httpx.put(f"{world.ladok_url}/_sim/faults", json={"error_rate": 1}).raise_for_status()
    try:
        with pytest.raises(Unavailable, match="gave up after 5 tries: 503"):
            transfer_results.fn(occasion)
    finally:
        httpx.put(f"{world.ladok_url}/_sim/faults", json={}).raise_for_status()
    assert count(TransferLedgerEntry, occasion) == 0
    assert httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json() == []
    with transaction() as session:
        assert session.get(Occasion, occasion).status == "graded"


def test_transfer_writes_each_grade_once_and_repeats_as_a_no_op(world: World):
    occasion = exam_at(world, Phase.GRADED, Country.SE).occasion
    with approving(world.outbox, "staff-planner-1", first_answers=[{"approver_id": "staff-grader-1"}]):
        transferred = result_transfer(OccasionStep(occasion_uid=occasion))
    assert refusals(occasion, "transfer") == ["'staff-grader-1' does not hold the role planner for this exam"]
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    with transaction() as session:
        grades = dict(
            session.execute(
                select(Registration.student_uid, Grade.grade)
                .join(Grade, Grade.registration_id == Registration.id)
                .where(Registration.occasion_id == occasion)
            ).all()
        )
    assert transferred["written"] == len(grades) == len(drafts)
    assert {d["student_uid"]: GRADE_CODES[d["grade_id"]] for d in drafts} == grades
    assert count(TransferLedgerEntry, occasion, TransferLedgerEntry.status == "confirmed") == len(grades)
    assert count(TransferLedgerEntry, occasion) == len(grades)
    again = transfer_results.fn(occasion)
    assert again.written == 0 and again.unchanged == len(grades)


def test_an_attested_result_is_listed_and_never_touched(world: World):
    occasion = exam_at(world, Phase.TRANSFERRED, Country.SE).occasion
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    with transaction() as session:  # the last candidate by code whose grade was written
        rows = session.execute(
            select(Registration.student_uid, Registration.anonymisation_code).where(
                Registration.occasion_id == occasion
            )
        ).all()
    codes = {student: code for student, code in rows}
    last = max((d for d in drafts if d["student_uid"] in codes), key=lambda d: codes[d["student_uid"]])
    httpx.post(f"{world.ladok_url}/_sim/attest/{last['result_uid']}").raise_for_status()
    preview = preview_transfer.fn(occasion)
    assert [i.action for i in preview if i.study_result_uid == last["study_result_uid"]] == [Action.LOCKED]
    again = transfer_results.fn(occasion)
    assert again.locked == 1 and again.written == 0
