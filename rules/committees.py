"""Splitting an exam's candidates into grading committees, and checking committees against the rule.

The split (deterministic; the same input always gives the same committees):

1. Committees wanted: ceil(candidates / candidates_per_committee), at most as many as the graders can
   fill (a grader sits on one committee only). With too few graders, fewer committees take more
   candidates each: candidates_per_committee sets how many committees are formed, and a committee
   over it is not a breach (`check_rule` checks graders, externals, conflicts and double seats).
2. Graders: the externals the rule asks for are taken first, then the other seats are filled with
   internal graders before any remaining external. Within each pool, graders with fewer declared
   conflicts go first (by staff id on a tie), so spare graders left out are the most conflicted
   ones; the chosen are dealt round-robin so conflicted graders spread over the committees.
3. Candidates: each with a conflict on some committee is placed first (fewest committees open to
   them first) on the open committee holding fewest so far. The sizes then fill level, the
   smallest first, and the unconflicted candidates fill the free places in code order, so each
   committee's unconflicted candidates form a run of codes. Sizes differ by at most one unless
   the conflicts force more onto a committee.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from itertools import islice

from pydantic import Field

from models.domain import Frozen
from models.grading import CommitteeRule
from rules.law import Grader

Conflict = tuple[str, str]  # (staff_id, student_uid)


class CommitteeBreach(ValueError):
    """The rule cannot be met with the graders, externals or conflicts at hand; the message says why."""


class Candidate(Frozen):
    code: str = Field(min_length=1, description="the anonymisation code")
    student_uid: str = Field(min_length=1)


class Committee(Frozen):
    name: str = Field(max_length=50)
    graders: tuple[Grader, ...]
    candidates: tuple[Candidate, ...]


def split_committees(
    candidates: Sequence[Candidate],
    graders: Sequence[Grader],
    conflicts: Collection[Conflict],
    rule: CommitteeRule,
) -> list[Committee]:
    """Committees for the candidates (given in code order) meeting `rule`; see the module docstring.

    Raises CommitteeBreach when the rule cannot be met, and ValueError on duplicate codes or graders."""
    _require_unique([c.code for c in candidates], "candidate code")
    _require_unique([g.staff_id for g in graders], "grader")
    if not candidates:
        return []
    conflict_set = frozenset(conflicts)
    count = min(math.ceil(len(candidates) / rule.candidates_per_committee), _most_committees(graders, rule))
    panels = _seat_graders(graders, conflict_set, rule, count)
    groups = _place_candidates(candidates, panels, conflict_set)
    return [
        Committee(name=f"Committee {i + 1}", graders=panel, candidates=group)
        for i, (panel, group) in enumerate(zip(panels, groups, strict=True))
    ]


def check_rule(
    committees: Sequence[Committee], rule: CommitteeRule, conflicts: Collection[Conflict] = ()
) -> list[str]:
    """Every breach of `rule` (and of any declared conflict) in `committees`, one sentence each."""
    conflict_set = frozenset(conflicts)
    breaches = [b for committee in committees for b in _committee_breaches(committee, rule, conflict_set)]
    return breaches + _shared_breaches(committees)


def _committee_breaches(
    committee: Committee, rule: CommitteeRule, conflicts: frozenset[Conflict]
) -> list[str]:
    name, graders = committee.name, committee.graders
    externals = sum(g.external for g in graders)
    found = []
    if len(graders) != rule.graders:
        found.append(f"{name} has {_count(len(graders), 'grader')}, the exam needs {rule.graders}")
    if externals < rule.min_external:
        found.append(f"{name} has {_count(externals, 'external grader')}, the exam needs {rule.min_external}")
    found += [
        f"{name}: grader {g.staff_id} has a declared conflict with candidate {c.code}"
        for c in committee.candidates
        for g in graders
        if (g.staff_id, c.student_uid) in conflicts
    ]
    return found


def _shared_breaches(committees: Sequence[Committee]) -> list[str]:
    """Graders or candidates on more than one committee."""
    found = []
    for kind, members in (
        ("grader", [(g.staff_id, c.name) for c in committees for g in c.graders]),
        ("candidate", [(x.code, c.name) for c in committees for x in c.candidates]),
    ):
        seats: dict[str, list[str]] = {}
        for member, committee in members:
            seats.setdefault(member, []).append(committee)
        found += [
            f"{kind} {member} sits on {' and '.join(names)}"
            for member, names in seats.items()
            if len(names) > 1
        ]
    return found


def _most_committees(graders: Sequence[Grader], rule: CommitteeRule) -> int:
    """How many disjoint committees the graders can fill, or CommitteeBreach when not one."""
    if rule.min_external > rule.graders:
        raise CommitteeBreach(
            f"the rule asks for {rule.min_external} external graders in a committee of {rule.graders}"
        )
    externals = sum(g.external for g in graders)
    if len(graders) < rule.graders:
        raise CommitteeBreach(f"{_count(len(graders), 'grader')} available, a committee needs {rule.graders}")
    if externals < rule.min_external:
        raise CommitteeBreach(
            f"{_count(externals, 'external grader')} available, a committee needs {rule.min_external}"
        )
    by_externals = externals // rule.min_external if rule.min_external else len(graders)
    return min(len(graders) // rule.graders, by_externals)


def _seat_graders(
    graders: Sequence[Grader], conflicts: frozenset[Conflict], rule: CommitteeRule, count: int
) -> list[tuple[Grader, ...]]:
    load = {g.staff_id: 0 for g in graders}
    for staff_id, _ in conflicts:
        if staff_id in load:
            load[staff_id] += 1
    ordered = sorted(graders, key=lambda g: (load[g.staff_id], g.staff_id))
    externals = [g for g in ordered if g.external][: count * rule.min_external]
    taken = {g.staff_id for g in externals}
    rest = sorted(
        (g for g in ordered if g.staff_id not in taken),
        key=lambda g: (g.external, load[g.staff_id], g.staff_id),
    )
    chosen = externals + rest[: count * (rule.graders - rule.min_external)]
    panels: list[list[Grader]] = [[] for _ in range(count)]
    for i, grader in enumerate(chosen):  # externals first: a multiple of `count`, one round each
        panels[i % count].append(grader)
    return [tuple(panel) for panel in panels]


def _place_candidates(
    candidates: Sequence[Candidate], panels: list[tuple[Grader, ...]], conflicts: frozenset[Conflict]
) -> list[tuple[Candidate, ...]]:
    everywhere = tuple(range(len(panels)))
    open_to = [_open_committees(c, panels, conflicts) for c in candidates]
    stuck = [c.code for c, where in zip(candidates, open_to, strict=True) if not where]
    if stuck:
        raise CommitteeBreach(
            f"candidate(s) {', '.join(stuck)} conflict with a grader on every committee; "
            "add graders or review the declared conflicts"
        )
    placed: list[list[int]] = [[] for _ in panels]
    constrained = sorted(
        (i for i, where in enumerate(open_to) if where != everywhere), key=lambda i: len(open_to[i])
    )
    for i in constrained:
        target = min(open_to[i], key=lambda k: (len(placed[k]), k))
        placed[target].append(i)
    free = iter(i for i, where in enumerate(open_to) if where == everywhere)
    sizes = _level([len(p) for p in placed], len(candidates) - len(constrained))
    for group, size in zip(placed, sizes, strict=True):
        group += islice(free, size - len(group))
    return [tuple(candidates[i] for i in sorted(group)) for group in placed]


def _level(counts: list[int], extra: int) -> list[int]:
    """Final sizes when `extra` more are added one at a time to the smallest (first on a tie)."""
    sizes = list(counts)
    for _ in range(extra):
        k = min(range(len(sizes)), key=lambda j: (sizes[j], j))
        sizes[k] += 1
    return sizes


def _open_committees(
    candidate: Candidate, panels: list[tuple[Grader, ...]], conflicts: frozenset[Conflict]
) -> tuple[int, ...]:
    return tuple(
        k
        for k, panel in enumerate(panels)
        if not any((g.staff_id, candidate.student_uid) in conflicts for g in panel)
    )


def _require_unique(values: Sequence[str], what: str) -> None:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"{what}(s) listed more than once: {', '.join(repeated)}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
