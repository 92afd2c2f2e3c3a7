"""The result transfer's branches, fast: approved grades of a Swedish exam played on the fake platform,
written by the task's function to the fake register's drafts. Every approved grade is written once
(a rerun writes nothing); a grade changed since is written over the draft it replaces; an attested
result is never touched; a register that is down fails the transfer with nothing written, and the
rerun writes it all; two transfers of one exam at once: the second is refused. Faults inside a batch
(latency, 409s, a killed worker) stay with tests/transfer on the HTTP stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from integrations.http import Unavailable
from models.domain import Country
from models.grading import CommitteeRule, GradingSettings
from store.db import transaction
from store.schema import Grade
from tasks.transfer import TransferBusy, _lease, check_before_transfer, transfer_results
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    graded_exam(fakes, uid, RULE, Country.SE)  # drafts are Ladok's: FS takes no grades over its API
    return uid


def drafts(fakes: FakeSystems, occasion: str) -> dict[str, str]:
    """Study result → the grade of its draft in the register."""
    return {h.study_result_uid: h.draft.grade_code for h in fakes.ladok.held_on(occasion) if not h.attested}


def approved(occasion: str) -> dict[int, str]:
    with transaction() as session:
        rows = session.query(Grade.registration_id, Grade.grade).filter(Grade.occasion_id == occasion)
        return {r: g for r, g in rows}


def test_every_approved_grade_is_written_once_and_a_rerun_writes_nothing(
    fakes: FakeSystems, occasion: str
) -> None:
    checked = check_before_transfer.fn(occasion)
    first = transfer_results.fn(occasion)
    assert first.written == checked["graded"] > 0 and first.failed == []
    assert sorted(drafts(fakes, occasion).values()) == sorted(approved(occasion).values())
    again = transfer_results.fn(occasion)
    assert (again.written, again.unchanged) == (0, first.written)


def test_a_changed_grade_is_written_over_its_draft_and_an_attested_result_is_left(
    fakes: FakeSystems, occasion: str
) -> None:
    transfer_results.fn(occasion)
    kept = next(h for h in fakes.ladok.held_on(occasion) if h.draft.grade_code != "F")
    fakes.ladok.attest(kept.draft.result_uid)
    with transaction() as session:  # every grade changed to F after the transfer, as a regrade would
        session.execute(update(Grade).where(Grade.occasion_id == occasion).values(grade="F"))
    outcome = transfer_results.fn(occasion)
    assert outcome.locked == 1 and outcome.failed == []
    assert set(drafts(fakes, occasion).values()) == {"F"}
    rows = {r.study_result_uid: r for r in fakes.ladok.search_study_results(occasion)}
    assert (rows[kept.study_result_uid].draft, rows[kept.study_result_uid].attested_grade_code) == (
        None,
        kept.draft.grade_code,
    )


def test_a_register_that_is_down_fails_the_transfer_and_the_rerun_writes_everything(
    fakes: FakeSystems, occasion: str
) -> None:
    fakes.unavailable("ladok", calls=1)
    with pytest.raises(Unavailable, match="ladok"):
        transfer_results.fn(occasion)
    assert drafts(fakes, occasion) == {}
    assert transfer_results.fn(occasion).written == len(approved(occasion))


def test_a_second_transfer_of_the_exam_at_once_is_refused(fakes: FakeSystems, occasion: str) -> None:
    with _lease(occasion), pytest.raises(TransferBusy, match=f"another transfer of {occasion} is running"):
        transfer_results.fn(occasion)
    assert drafts(fakes, occasion) == {}
