"""A write refused as stale whose grade the register holds after all (an earlier try of the same
write landed, its answer lost) is confirmed by a read-back, not left stale: by the run's re-read,
or by the rerun's when the run died before it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from integrations.http import StaleVersion, Unavailable
from models.domain import Country, RegisterDraft, StudyResult
from models.grading import CommitteeRule, GradingSettings
from models.transfer import Action, TransferItem
from store import transfer
from store.db import transaction
from store.schema import Grade
from store.transfer import Outcome
from tasks.transfer import _landed, transfer_results
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam

DAY = date(2026, 12, 3)


def _item(uid: str) -> TransferItem:
    return TransferItem(
        registration_id=1,
        candidate=f"C-{uid}",
        study_result_uid=uid,
        module_uid="m",
        grade="B",
        exam_date=DAY,
        action=Action.UPDATE,
    )


def _held(uid: str, draft: bool) -> StudyResult:
    written = RegisterDraft(
        result_uid=f"r-{uid}",
        grade_id=131667,
        grade_code="B",
        scale_id=131657,
        exam_date=DAY,
        process_status=1,
        version="2026-12-03T10:00:00.000",
    )
    return StudyResult(
        study_result_uid=uid,
        student_uid=f"s-{uid}",
        first_name="",
        last_name="",
        course_round_uid="cr",
        module_uid="m",
        scale_id=131657,
        anonymisation_code=None,
        draft=written if draft else None,
    )


def test_only_a_stale_write_whose_grade_landed_is_confirmed_by_the_read_back() -> None:
    stale = [(_item(u), Outcome(f"k-{u}", "stale", error="409")) for u in ("landed", "replaced", "gone")]
    found = {"k-landed": Action.UNCHANGED, "k-replaced": Action.UPDATE, "k-gone": Action.UNCHANGED}
    fresh = {
        "landed": _held("landed", True),
        "replaced": _held("replaced", True),
        "gone": _held("gone", False),
    }
    assert _landed(stale, found, fresh) == [Outcome("k-landed", "confirmed", "r-landed")]


@pytest.mark.parametrize(
    ("landed", "ledger_after"),
    [(True, {"stale": 0}), (False, {"stale": 1})],
    ids=["the write landed", "another writer changed the draft"],
)
def test_a_write_answered_stale_stays_pending_until_a_read_back_settles_it(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch, landed: bool, ledger_after: dict[str, int]
) -> None:
    """A write is refused as stale and the run dies on the re-read. Either the write had landed (its
    answer lost, the retry refused): the rerun finds its grade in the register and confirms it,
    writing nothing. Or another writer had changed the draft: the rerun calls that try stale and
    writes the grade again on the new draft, which is confirmed."""
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    graded_exam(fakes, uid, GradingSettings(committee=CommitteeRule(graders=2, min_external=1)), Country.SE)
    first = transfer_results.fn(uid)
    with transaction() as session:
        changed = session.scalars(select(Grade).where(Grade.occasion_id == uid)).first()
        assert changed is not None
        changed.grade = "F" if changed.grade != "F" else "E"
    update, search = fakes.ladok.update_draft, fakes.ladok.search_study_results

    def lands_then_stale(**fields: Any) -> RegisterDraft:
        draft = fields["draft"]
        if landed:
            update(**fields)
        else:
            update(**{**fields, "grade_id": draft.grade_id, "idempotency_key": "another writer"})
        raise StaleVersion("ladok", 409, "changed since it was read")

    def reread_fails(occasion_uid: str) -> list[StudyResult]:
        monkeypatch.setattr(fakes.ladok, "search_study_results", down)  # the next read: the re-read
        return search(occasion_uid)

    def down(occasion_uid: str) -> list[StudyResult]:
        raise Unavailable("ladok", 503, "gave up (a fault set by the test)")

    monkeypatch.setattr(fakes.ladok, "update_draft", lands_then_stale)
    monkeypatch.setattr(fakes.ladok, "search_study_results", reread_fails)
    with pytest.raises(Unavailable):
        transfer_results.fn(uid)
    with transaction() as session:
        assert transfer.counts(session, occasion_id=uid) == {"confirmed": first.written, "pending": 1}
    monkeypatch.setattr(fakes.ladok, "update_draft", update)
    monkeypatch.setattr(fakes.ladok, "search_study_results", search)
    again = transfer_results.fn(uid)
    assert again.written == (0 if landed else 1) and again.failed == []
    with transaction() as session:
        counts = transfer.counts(session, occasion_id=uid)
    assert counts == {"confirmed": first.written + 1, **{k: n for k, n in ledger_after.items() if n}}
    with transaction() as session:
        approved = sorted(session.scalars(select(Grade.grade).where(Grade.occasion_id == uid)))
    assert sorted(h.draft.grade_code for h in fakes.ladok.held_on(uid) if h.draft) == approved
