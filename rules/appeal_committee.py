"""An appeal committee's grade from its members' own grades (Norway, uhl § 3-9 (5) and § 5-3 (4)).

Every member grades the paper independently and blind: their own form, no other member's grade
shown. The committee's grade is the one they agree on. Where they differ, the difference is shown
to every member and each gives again the grade they will put their name to on the committee's
joint form; where they then agree, that grade stands. Where they still differ after that round, the
external member's grade stands (modelled on the practice of the external grader deciding; the
grading guide's own wording on a committee that cannot agree was not found: see docs/law.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import Field

from models.domain import Frozen

BLIND_ROUND = 1
JOINT_ROUND = 2  # the round in which every member sees the others' grades: the joint form
SOURCE = "uhl § 3-9 (5), § 5-3 (4); see docs/law.md, The appeal committee's grade"


class CommitteeDeadlock(ValueError):
    """The committee disagrees after its joint round and no single external member's grade can stand."""


class Settlement(Frozen):
    grade: str | None = Field(description="the committee's grade; None while its members still differ")
    how: str = Field(description="'agreed', 'external' (the external member's grade stood) or 'differ'")
    grades: dict[str, str] = Field(description="each member's grade in this round, by staff id")


def settle(grades: Mapping[str, str], *, round: int, external: Collection[str]) -> Settlement:
    """The committee's grade after `round`, from every member's grade in it. Raises ValueError when a
    member has no grade, and CommitteeDeadlock when the joint round ends without one external grade."""
    if len(grades) < 2:
        raise ValueError(f"an appeal committee grades with at least two members, not {len(grades)}")
    given = dict(sorted(grades.items()))
    if len(set(given.values())) == 1:
        return Settlement(grade=next(iter(given.values())), how="agreed", grades=given)
    if round < JOINT_ROUND:
        return Settlement(grade=None, how="differ", grades=given)
    externals = {given[m] for m in given if m in external}
    if len(externals) != 1:
        raise CommitteeDeadlock(
            f"the committee still differs on its joint form ({shown(given)}) and "
            + ("no external member graded" if not externals else "its external members differ too")
            + ": the faculty must form the committee anew"
        )
    return Settlement(grade=externals.pop(), how="external", grades=given)


def shown(grades: Mapping[str, str]) -> str:
    """The members' grades as a person reads them: 'staff-a: B, staff-b: D'."""
    return ", ".join(f"{member}: {grade}" for member, grade in sorted(grades.items()))
