"""Norway's results into FS, as pure rules: the grades FS takes, the checks before the platform's
transfer, the preview against what FS holds and the reconciliation of what it holds after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from models.fs_transfer import Discrepancy, FsAction, FsCheck, FsPreviewItem, FsResult
from rules.grades import Scale
from rules.transfer import TransferRefused

# FS names a pass/fail grade in words (`karakter.navn.nob`; the words are modelled, unverified);
# a letter grade by its letter. Norway's A-F scale has no FX.
PASS_FAIL_NAMES = {"P": "Bestått", "F": "Ikke bestått"}
FS_SCALES = (Scale.AF, Scale.PASS_FAIL)


class Graded(NamedTuple):
    """An approved grade to reach FS, by candidate number, named as FS names it."""

    registration_id: int
    candidate: str
    grade: str


def fs_grade(scale: Scale, grade: str) -> str | None:
    """The grade as FS names it; None when FS's scales have no such grade."""
    if scale == Scale.PASS_FAIL:
        return PASS_FAIL_NAMES.get(grade)
    if scale == Scale.AF and grade in scale.grades and grade != "FX":
        return grade
    return None


def for_fs(scale: Scale, approved: Iterable[tuple[int, str, str]]) -> list[Graded]:
    """The approved grades (registration id, candidate number, grade) as FS takes them; refused,
    naming the candidates, when the exam's scale is not one of FS's or a grade is not on it."""
    if scale not in FS_SCALES:
        raise TransferRefused(f"FS takes grades on A-F or pass/fail, not on the exam's scale {scale.value}")
    graded, off = [], []
    for registration_id, candidate, grade in approved:
        name = fs_grade(scale, grade)
        if name is None:
            off.append(f"{candidate} ({grade})")
        else:
            graded.append(Graded(registration_id, candidate, name))
    if off:
        raise TransferRefused(f"grades FS's scale {scale.value} does not have: {sorted(off)[:20]}")
    return graded


def check_commissions(
    graded: Iterable[str], committed: set[str], committees: Mapping[str, list[str]]
) -> None:
    """Every graded candidate was graded by a commission (a grading committee with graders)."""
    empty = sorted(name for name, graders in committees.items() if not graders)
    if empty:
        raise TransferRefused(f"commissions without a grader: {empty}")
    outside = sorted(c for c in graded if c not in committed)
    if outside:
        raise TransferRefused(f"graded without a commission: {outside[:20]}")


def valid_results(results: Iterable[FsResult]) -> dict[str, FsResult]:
    """FS's valid results by candidate number."""
    return {r.candidate: r for r in results if r.valid}


def preview(graded: Sequence[Graded], held: Mapping[str, FsResult]) -> list[FsPreviewItem]:
    """What the transfer means for each candidate, given what FS holds now."""
    items = []
    for g in graded:
        now = held[g.candidate].grade if g.candidate in held else None
        action = (
            FsAction.NEW if g.candidate not in held else FsAction.HELD if now == g.grade else FsAction.OTHER
        )
        items.append(
            FsPreviewItem(
                registration_id=g.registration_id,
                candidate=g.candidate,
                grade=g.grade,
                held=now,
                action=action,
            )
        )
    return items


def reconcile(sent: Sequence[Graded], found: Mapping[str, FsResult]) -> list[FsCheck]:
    """Each grade sent against what FS holds for its candidate number after the transfer."""
    checks = []
    for g in sent:
        result = found.get(g.candidate)
        grade = None if result is None else result.grade
        discrepancy = (
            Discrepancy.DROPPED if result is None else None if grade == g.grade else Discrepancy.CHANGED
        )
        checks.append(
            FsCheck(
                registration_id=g.registration_id,
                candidate=g.candidate,
                sent=g.grade,
                found=grade,
                discrepancy=discrepancy,
                result_id=None if result is None else result.result_id,
            )
        )
    return checks
