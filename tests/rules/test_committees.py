from __future__ import annotations

import re

import pytest

from models.grading import CommitteeRule
from rules.committees import Candidate, Committee, CommitteeBreach, check_rule, split_committees
from rules.law import Grader


def candidates(n: int) -> list[Candidate]:
    return [Candidate(code=f"EX-{i:04d}-ABC", student_uid=f"uid-{i}") for i in range(1, n + 1)]


def graders(internal: int, external: int = 0) -> list[Grader]:
    return [Grader(staff_id=f"i{n}") for n in range(1, internal + 1)] + [
        Grader(staff_id=f"x{n}", external=True) for n in range(1, external + 1)
    ]


def rule(graders: int = 2, min_external: int = 0, per: int = 150) -> CommitteeRule:
    return CommitteeRule(graders=graders, min_external=min_external, candidates_per_committee=per)


def sizes(committees: list[Committee]) -> list[int]:
    return [len(c.candidates) for c in committees]


@pytest.mark.parametrize(
    ("n", "internal", "external", "the_rule", "expected_sizes"),
    [
        (300, 4, 0, rule(), [150, 150]),
        (301, 6, 0, rule(), [101, 100, 100]),  # ceil(301 / 150) = 3, balanced
        (301, 4, 0, rule(), [151, 150]),  # graders for only 2: fewer, larger committees
        (1, 2, 0, rule(), [1]),
        (10, 2, 2, rule(graders=2, min_external=1, per=3), [5, 5]),  # externals limit: 2 committees
        (10, 3, 1, rule(graders=2, min_external=1, per=3), [10]),  # one external: one committee
        (7, 9, 0, rule(graders=3, per=2), [3, 2, 2]),  # 4 wanted, graders for 3
        (5, 1, 0, rule(graders=1, per=5), [5]),
    ],
)
def test_split_sizes_and_count(
    n: int, internal: int, external: int, the_rule: CommitteeRule, expected_sizes: list[int]
) -> None:
    found = split_committees(candidates(n), graders(internal, external), set(), the_rule)
    assert sizes(found) == expected_sizes
    assert [c.name for c in found] == [f"Committee {i + 1}" for i in range(len(found))]
    assert all(len(c.graders) == the_rule.graders for c in found)
    assert all(sum(g.external for g in c.graders) >= the_rule.min_external for c in found)
    seated = [g.staff_id for c in found for g in c.graders]
    assert len(seated) == len(set(seated))
    assert sorted(x.code for c in found for x in c.candidates) == [c.code for c in candidates(n)]


def test_unconflicted_candidates_form_runs_of_codes_in_order() -> None:
    found = split_committees(candidates(7), graders(6), set(), rule(per=3))
    assert [[x.code[3:7] for x in c.candidates] for c in found] == [
        ["0001", "0002", "0003"],
        ["0004", "0005"],
        ["0006", "0007"],
    ]


def test_externals_are_spread_and_internals_preferred_for_the_other_seats() -> None:
    found = split_committees(candidates(4), graders(3, 3), set(), rule(graders=2, min_external=1, per=2))
    assert [[g.staff_id for g in c.graders] for c in found] == [["x1", "i1"], ["x2", "i2"]]


def test_no_candidate_sits_with_a_grader_they_conflict_with() -> None:
    conflicts = {("i1", "uid-1"), ("i1", "uid-2"), ("i1", "uid-3"), ("i4", "uid-5")}
    found = split_committees(candidates(9), graders(6), conflicts, rule(per=3))
    panels = {c.name: [g.staff_id for g in c.graders] for c in found}
    for committee in found:
        for candidate in committee.candidates:
            assert not any((sid, candidate.student_uid) in conflicts for sid in panels[committee.name])
    assert sizes(found) == [3, 3, 3]
    assert check_rule(found, rule(per=3), conflicts) == []


def test_the_most_conflicted_spare_grader_is_left_out() -> None:
    conflicts = {("i1", "uid-1"), ("i1", "uid-2")}
    found = split_committees(candidates(2), graders(3), conflicts, rule())
    assert [g.staff_id for g in found[0].graders] == ["i2", "i3"]


def test_conflicts_can_unbalance_sizes_only_when_forced() -> None:
    conflicts = {("i1", f"uid-{k}") for k in range(1, 5)}  # i1, most conflicted, is seated last
    found = split_committees(candidates(6), graders(4), conflicts, rule(per=3))
    assert [[g.staff_id for g in c.graders] for c in found] == [["i2", "i4"], ["i3", "i1"]]
    assert sizes(found) == [4, 2]
    assert [x.code[3:7] for x in found[0].candidates] == ["0001", "0002", "0003", "0004"]


def test_the_split_is_deterministic() -> None:
    conflicts = {("i2", "uid-7"), ("i5", "uid-3")}
    args = (candidates(50), graders(6, 2), conflicts, rule(graders=2, min_external=1, per=12))
    assert split_committees(*args) == split_committees(*args)


@pytest.mark.parametrize(
    ("internal", "external", "the_rule", "conflicts", "message"),
    [
        (1, 0, rule(graders=2), set(), "1 grader available, a committee needs 2"),
        (3, 0, rule(graders=2, min_external=1), set(), "0 external graders available, a committee needs 1"),
        (3, 1, rule(graders=2, min_external=2), set(), "1 external grader available, a committee needs 2"),
        (3, 0, rule(graders=2, min_external=3), set(), "asks for 3 external graders in a committee of 2"),
        (
            4,
            0,
            rule(per=2),
            {("i1", "uid-2"), ("i2", "uid-2"), ("i3", "uid-3"), ("i4", "uid-3")},
            "candidate(s) EX-0002-ABC, EX-0003-ABC conflict with a grader on every committee",
        ),
    ],
)
def test_impossible_rules_are_named(
    internal: int, external: int, the_rule: CommitteeRule, conflicts: set[tuple[str, str]], message: str
) -> None:
    with pytest.raises(CommitteeBreach, match=re.escape(message)):
        split_committees(candidates(4), graders(internal, external), conflicts, the_rule)


def test_no_candidates_no_committees() -> None:
    assert split_committees([], graders(2), set(), rule()) == []


def test_duplicate_candidates_are_refused() -> None:
    made = [*candidates(2), Candidate(code="EX-0001-ABC", student_uid="u9")]
    with pytest.raises(ValueError, match=re.escape("candidate code(s) listed more than once: EX-0001-ABC")):
        split_committees(made, graders(2), set(), rule())


def test_duplicate_graders_are_refused() -> None:
    with pytest.raises(ValueError, match=r"grader\(s\) listed more than once: i1"):
        split_committees(candidates(2), [*graders(2), Grader(staff_id="i1")], set(), rule())


def committee(name: str, staff: list[tuple[str, bool]], codes: list[int]) -> Committee:
    return Committee(
        name=name,
        graders=tuple(Grader(staff_id=s, external=x) for s, x in staff),
        candidates=tuple(candidates(max(codes, default=0))[i - 1] for i in codes),
    )


def test_check_rule_names_every_breach() -> None:
    committees = [
        committee("Committee 1", [("i1", False), ("x1", True)], [1, 2, 3]),
        committee("Committee 2", [("i2", False)], [4]),
        committee("Committee 3", [("i1", False), ("i3", False), ("x2", True)], [3, 5]),
    ]
    assert check_rule(committees, rule(graders=2, min_external=2, per=2), {("x2", "uid-5")}) == [
        "Committee 1 has 1 external grader, the exam needs 2",
        "Committee 2 has 1 grader, the exam needs 2",
        "Committee 2 has 0 external graders, the exam needs 2",
        "Committee 3 has 3 graders, the exam needs 2",
        "Committee 3 has 1 external grader, the exam needs 2",
        "Committee 3: grader x2 has a declared conflict with candidate EX-0005-ABC",
        "grader i1 sits on Committee 1 and Committee 3",
        "candidate EX-0003-ABC sits on Committee 1 and Committee 3",
    ]


def test_check_rule_finds_nothing_in_a_sound_split() -> None:
    found = split_committees(candidates(40), graders(5, 3), set(), rule(graders=2, min_external=1, per=15))
    assert len(found) == 3
    assert check_rule(found, rule(graders=2, min_external=1, per=15)) == []


def test_a_short_split_takes_more_candidates_per_committee_without_breach() -> None:
    found = split_committees(candidates(5), graders(2), set(), rule(per=2))
    assert sizes(found) == [5]
    assert check_rule(found, rule(per=2)) == []


def test_a_committee_name_is_at_most_50_characters() -> None:
    with pytest.raises(ValueError, match="at most 50 characters"):
        Committee(name="C" * 51, graders=(), candidates=())


def test_a_large_exam_with_scattered_conflicts_splits_cleanly_and_level() -> None:
    people = candidates(2000)
    pool = graders(20, 10)
    conflicts = {(f"i{k % 20 + 1}", f"uid-{k}") for k in range(1, 2000, 37)}
    the_rule = rule(graders=2, min_external=1, per=150)
    found = split_committees(people, pool, conflicts, the_rule)
    assert len(found) == 10  # ceil(2000 / 150) = 14 wanted, 10 externals allow 10
    assert check_rule(found, the_rule, conflicts) == []
    assert max(sizes(found)) - min(sizes(found)) <= 1
