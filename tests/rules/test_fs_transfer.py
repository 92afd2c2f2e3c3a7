"""FS's grades and the reconciliation by candidate number, as pure rules."""

from __future__ import annotations

import pytest

from models.fs_transfer import Discrepancy, FsAction, FsResult
from rules.fs_transfer import Graded, check_commissions, for_fs, preview, reconcile, valid_results
from rules.grades import Scale
from rules.transfer import TransferRefused


def result(candidate: str, grade: str, valid: bool = True) -> FsResult:
    return FsResult(result_id=f"r-{candidate}-{grade}", candidate=candidate, grade=grade, valid=valid)


def test_fs_names_letters_as_letters_and_pass_fail_in_words() -> None:
    assert for_fs(Scale.AF, [(1, "101", "A"), (2, "102", "F")]) == [
        Graded(1, "101", "A"),
        Graded(2, "102", "F"),
    ]
    assert [g.grade for g in for_fs(Scale.PASS_FAIL, [(1, "101", "P"), (2, "102", "F")])] == [
        "Bestått",
        "Ikke bestått",
    ]


def test_a_grade_off_fss_scales_or_a_scale_fs_lacks_is_refused_naming_the_candidates() -> None:
    with pytest.raises(TransferRefused, match=r"does not have: \['102 \(FX\)'\]"):
        for_fs(Scale.AF, [(1, "101", "A"), (2, "102", "FX")])
    with pytest.raises(TransferRefused, match="not on the exam's scale U/G/VG"):
        for_fs(Scale.UGVG, [(1, "101", "G")])


def test_commissions_must_have_graders_and_hold_every_graded_candidate() -> None:
    check_commissions(["101"], {"101"}, {"K1": ["staff-1"]})
    with pytest.raises(TransferRefused, match=r"without a grader: \['K2'\]"):
        check_commissions(["101"], {"101"}, {"K1": ["staff-1"], "K2": []})
    with pytest.raises(TransferRefused, match=r"graded without a commission: \['102'\]"):
        check_commissions(["101", "102"], {"101"}, {"K1": ["staff-1"]})


def test_the_preview_sorts_each_grade_by_what_fs_holds_of_it() -> None:
    graded = [Graded(1, "101", "A"), Graded(2, "102", "B"), Graded(3, "103", "C")]
    held = valid_results([result("102", "B"), result("103", "D"), result("101", "E", valid=False)])
    assert [(i.candidate, i.action, i.held) for i in preview(graded, held)] == [
        ("101", FsAction.NEW, None),
        ("102", FsAction.HELD, "B"),
        ("103", FsAction.OTHER, "D"),
    ]


def test_the_read_back_finds_what_was_dropped_and_what_was_changed() -> None:
    sent = [Graded(1, "101", "A"), Graded(2, "102", "B"), Graded(3, "103", "C")]
    found = valid_results([result("101", "A"), result("103", "C", valid=False), result("103", "E")])
    checks = reconcile(sent, found)
    assert [(c.candidate, c.discrepancy, c.found) for c in checks] == [
        ("101", None, "A"),
        ("102", Discrepancy.DROPPED, None),
        ("103", Discrepancy.CHANGED, "E"),
    ]
    assert checks[0].result_id == "r-101-A"
