"""A write refused as stale whose grade the re-read shows in the register after all (an earlier
try of the same write landed, its answer lost) is confirmed by that read-back, not left stale."""

from __future__ import annotations

from datetime import date

from models.domain import RegisterDraft, StudyResult
from models.transfer import Action, TransferItem
from store.transfer import Outcome
from tasks.transfer import _landed

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
