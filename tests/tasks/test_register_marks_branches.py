"""What the faculty registers of an appeal and a justification, fast, on the fakes: a Norwegian exam
graded and transferred, its unit in FS. An appeal registered in FS marks the old result under appeal
(the klage FS holds kept) and its mark is lifted when closed; FS leaving a result unmarked and an
unknown unit are refused naming them; a Swedish exam registers nothing there; the appeal as
received and the justification given are filed in the archive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from integrations.http import ApiError
from models.grading import CommitteeRule, GradingSettings
from store import audit, justifications
from store.db import transaction
from store.schema import Occasion
from tasks.justification import receive_request
from tasks.register_marks import archive_appeal_received, close_appeal, mark_appeal, register_justification
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam, transferred
from tests.tasks.test_appeal_committee_branches import first_graded

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
RECEIVED = date(2026, 7, 1)


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    graded_exam(fakes, uid, RULE)
    assert not transferred(uid)
    return uid


def events(occasion: str, action: str) -> list[dict]:
    with transaction() as session:
        return [e.detail for e in audit.events(session, occasion_id=occasion, action=action)]


def test_an_appeal_marks_the_old_result_in_fs_until_it_is_closed(fakes: FakeSystems, occasion: str) -> None:
    code, _ = first_graded(occasion)
    [held] = fakes.fs.seed(occasion, appeals=[(code, RECEIVED, False)])
    assert mark_appeal.fn(occasion, 7, code, RECEIVED + timedelta(days=1)) == held  # the klage FS holds
    assert fakes.fs._mark(fakes.fs.units[occasion][0]).result_blocked
    close_appeal.fn(occasion, 7, held)
    assert not fakes.fs._mark(fakes.fs.units[occasion][0]).result_blocked
    assert events(occasion, "appeal.registered_in_fs") == [{"appeal_id": 7, "fs_appeal": held}]
    assert events(occasion, "appeal.closed_in_fs") == [{"appeal_id": 7, "fs_appeal": held}]
    with pytest.raises(
        ApiError, match=f"klage {held} of {code}: FS holds it AVGJORT, its old result not marked"
    ):
        mark_appeal.fn(occasion, 8, code, RECEIVED)


def test_an_appeal_fs_does_not_hold_is_registered_there(fakes: FakeSystems, occasion: str) -> None:
    code, _ = first_graded(occasion)
    fakes.fs.seed(occasion)
    fs_id = mark_appeal.fn(occasion, 7, code, RECEIVED)
    assert [(r.request_id, r.candidate, r.received_on) for r in fakes.fs.units[occasion]] == [
        (fs_id, code, RECEIVED)
    ]


def test_a_unit_fs_does_not_know_is_refused_naming_it(fakes: FakeSystems, occasion: str) -> None:
    code, _ = first_graded(occasion)
    del fakes.fs.units[occasion]  # FS no longer answers for the unit's requests
    with pytest.raises(ApiError, match=f"UgyldigId: fant ingen vurderingsenhet med id '{occasion}'"):
        mark_appeal.fn(occasion, 7, code, RECEIVED)
    assert events(occasion, "appeal.registered_in_fs") == []


def test_a_swedish_exam_registers_nothing_in_fs(fakes: FakeSystems, occasion: str) -> None:
    code, _ = first_graded(occasion)
    with transaction() as session:
        session.execute(update(Occasion).where(Occasion.id == occasion).values(country="SE"))
    assert mark_appeal.fn(occasion, 7, code, RECEIVED) is None
    assert fakes.fs.units == {occasion: []}


def test_the_appeal_received_and_the_justification_given_are_filed(fakes: FakeSystems, occasion: str) -> None:
    code, _ = first_graded(occasion)
    fakes.fs.seed(occasion)
    received = archive_appeal_received.fn(occasion, 7, code, RECEIVED)
    case = receive_request.fn(occasion, code, date.today())
    with pytest.raises(LookupError, match=f"justification {case.justification_id} of {code} is not given"):
        register_justification.fn(occasion, case.justification_id, code)
    with transaction() as session:
        justifications.give(
            session,
            justification_id=case.justification_id,
            text="The grounds.",
            given_by="staff-examiner-1",
            given_on=date.today(),
        )
    given = register_justification.fn(occasion, case.justification_id, code)
    titles = [d.title for d in fakes.noark.documents(received.case_id)]
    assert f"appeal-received-{code}.json" in titles and f"justification-{code}.json" in titles
    assert given.case_id == received.case_id  # the exam's one case file
    [request] = [r for r in fakes.fs.units[occasion] if r.candidate == code]
    assert fakes.fs.given[request.request_id] == date.today()
