"""Exam day's checks, pure: the invigilators' roll against the platform's submissions, and a
folder of scanned sketches against the exam's candidate codes."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

PRESENT_WITHOUT_SUBMISSION = "present without a submission"
SUBMISSION_MARKED_ABSENT = "a submission marked absent"
NO_SHOW_WITH_EXTRA_TIME = "a no-show with extra time"
SKETCH_SUFFIX = ".pdf"


@dataclass(frozen=True)
class Sitting:
    """A candidate as the platform has them after the exam: extra time planned and incident."""

    code: str
    submitted: bool
    extra_time_minutes: int


@dataclass(frozen=True)
class Mismatch:
    code: str
    kind: str
    detail: str


def reconcile_roll(sittings: Iterable[Sitting], absent_codes: Collection[str]) -> list[Mismatch]:
    """Every mismatch between the roll (everyone not named absent was present) and the platform,
    by code; a code on the roll that is not the exam's is refused, naming it."""
    by_code = {s.code: s for s in sittings}
    if unknown := sorted(set(absent_codes) - set(by_code)):
        raise ValueError(f"the roll names candidate code(s) not on this exam: {', '.join(unknown)}")
    absent = set(absent_codes)
    found: list[Mismatch] = []
    for code, s in sorted(by_code.items()):
        if code not in absent and not s.submitted:
            found.append(
                Mismatch(code, PRESENT_WITHOUT_SUBMISSION, "on the roll as present; nothing submitted")
            )
        if code in absent and s.submitted:
            found.append(
                Mismatch(code, SUBMISSION_MARKED_ABSENT, "on the roll as absent; a submission is held")
            )
        if code in absent and not s.submitted and s.extra_time_minutes > 0:
            found.append(
                Mismatch(
                    code, NO_SHOW_WITH_EXTRA_TIME, f"absent with {s.extra_time_minutes} minutes of extra time"
                )
            )
    return found


def sketch_codes(names: Iterable[str], codes: Collection[str]) -> dict[str, str]:
    """Candidate code → file name for a folder of sketches named `<code>.pdf`; every file that is
    not so named, or names a code not on the exam, is refused together, each named."""
    problems, found = [], {}
    for name in sorted(names):
        stem, suffix = name[: -len(SKETCH_SUFFIX)], name[-len(SKETCH_SUFFIX) :].lower()
        if suffix != SKETCH_SUFFIX:
            problems.append(f"{name}: not a .pdf")
        elif stem not in codes:
            problems.append(f"{name}: no candidate with code {stem} on this exam")
        else:
            found[stem] = name
    if problems:
        raise ValueError("; ".join(problems))
    return found
