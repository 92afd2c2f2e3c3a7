"""The appeal committee's grade from its members' own grades: agreed, differing after the blind
round, agreed on the joint form, the external member's grade standing, and a deadlock refused."""

from __future__ import annotations

import pytest

from rules.appeal_committee import BLIND_ROUND, JOINT_ROUND, CommitteeDeadlock, settle, shown

EXTERNAL = {"staff-ext"}


def test_members_who_agree_blind_set_the_grade():
    settled = settle({"staff-int": "C", "staff-ext": "C"}, round=BLIND_ROUND, external=EXTERNAL)
    assert (settled.grade, settled.how) == ("C", "agreed")


def test_a_difference_in_the_blind_round_sets_no_grade_and_is_shown():
    settled = settle({"staff-int": "B", "staff-ext": "D"}, round=BLIND_ROUND, external=EXTERNAL)
    assert (settled.grade, settled.how) == (None, "differ")
    assert shown(settled.grades) == "staff-ext: D, staff-int: B"


def test_members_who_agree_on_the_joint_form_set_that_grade():
    settled = settle({"staff-int": "C", "staff-ext": "C"}, round=JOINT_ROUND, external=EXTERNAL)
    assert (settled.grade, settled.how) == ("C", "agreed")


def test_a_difference_left_on_the_joint_form_lets_the_external_grade_stand():
    settled = settle({"staff-int": "B", "staff-ext": "D"}, round=JOINT_ROUND, external=EXTERNAL)
    assert (settled.grade, settled.how) == ("D", "external")


def test_three_members_agree_only_when_all_give_the_same_grade():
    grades = {"staff-int": "B", "staff-ext": "B", "staff-int-2": "C"}
    assert settle(grades, round=BLIND_ROUND, external=EXTERNAL).grade is None
    assert settle(grades, round=JOINT_ROUND, external=EXTERNAL).grade == "B"


def test_externals_who_still_differ_on_the_joint_form_are_refused_naming_the_grades():
    grades = {"staff-ext": "B", "staff-ext-2": "D", "staff-int": "C"}
    with pytest.raises(
        CommitteeDeadlock, match=r"staff-ext: B, staff-ext-2: D, staff-int: C.*external members differ"
    ):
        settle(grades, round=JOINT_ROUND, external={"staff-ext", "staff-ext-2"})


def test_a_committee_without_an_external_grade_is_refused():
    with pytest.raises(CommitteeDeadlock, match="no external member graded"):
        settle({"staff-a": "B", "staff-b": "C"}, round=JOINT_ROUND, external=set())


def test_one_member_is_no_committee():
    with pytest.raises(ValueError, match="at least two members, not 1"):
        settle({"staff-ext": "B"}, round=BLIND_ROUND, external=EXTERNAL)
