"""The appeal committee and the register's paths, fast, on the fakes: a Norwegian exam graded and
transferred, one candidate's appeal received and its committee formed. Members who agree set the
grade; a difference is audited and settled on the joint form (agreed there, or the external
member's grade standing); a deadlock and a grade off the scale are refused with nothing settled; the
new grade reaches FS only by the protocol file of that one candidate; a published grade
changed by a rescore is found, and its student told through the outbox."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models.grading import CommitteeRule, GradingSettings
from models.settings import get_settings
from rules.appeal_committee import BLIND_ROUND, JOINT_ROUND, CommitteeDeadlock
from store import audit
from store.db import transaction
from store.schema import Appeal, Grade, Registration, Staff
from tasks.appeal import AppealCase, decide_appeal, form_committee, receive_appeal
from tasks.appeal_committee import settle_committee
from tasks.register_changes import published_changes, tell_changed_grades
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam, new_grade_into_fs, transferred

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    graded_exam(fakes, uid, RULE)
    assert not transferred(uid)
    return uid


def first_graded(occasion: str) -> tuple[str, str]:
    """The first candidate by code with a grade, and that grade."""
    with transaction() as session:
        row = session.execute(
            select(Registration.anonymisation_code, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion, Grade.grade.is_not(None))
            .order_by(Registration.anonymisation_code)
        ).first()
    assert row is not None, f"nobody graded on {occasion}"
    return row[0], row[1]


@pytest.fixture
def case(occasion: str) -> AppealCase:
    code, _ = first_graded(occasion)
    return receive_appeal.fn(occasion, code, date.today())


def valid_in_fs(fakes: FakeSystems, occasion: str) -> dict[str, str | None]:
    return {r.candidate: r.grade for r in fakes.fs.results(occasion) if r.valid}


def committee_events(occasion: str, action: str) -> list[dict]:
    with transaction() as session:
        return [e.detail for e in audit.events(session, occasion_id=occasion, action=action)]


def members(occasion: str, case: AppealCase) -> tuple[str, str]:
    """The committee formed for the appeal: its external member first."""
    formed = form_committee.fn(occasion, case.appeal_id, "appeal")
    with transaction() as session:
        external = [m for m in formed if session.get(Staff, m).external]  # type: ignore[union-attr]
    assert len(formed) == 2 and len(external) == 1
    return external[0], next(m for m in formed if m not in external)


def test_members_who_agree_blind_set_the_committees_grade(occasion: str, case: AppealCase) -> None:
    ext, internal = members(occasion, case)
    settled = settle_committee.fn(occasion, case.appeal_id, "appeal", BLIND_ROUND, {ext: "B", internal: "B"})
    assert (settled.grade, settled.how) == ("B", "agreed")
    [event] = committee_events(occasion, "appeal.committee_graded")
    assert event["grades"] == {ext: "B", internal: "B"} and event["round"] == 1 and event["grade"] == "B"


def test_a_difference_is_audited_and_the_joint_form_settles_it(occasion: str, case: AppealCase) -> None:
    ext, internal = members(occasion, case)
    first = settle_committee.fn(occasion, case.appeal_id, "appeal", BLIND_ROUND, {ext: "D", internal: "B"})
    assert (first.grade, first.how) == (None, "differ")
    agreed = settle_committee.fn(occasion, case.appeal_id, "appeal", JOINT_ROUND, {ext: "C", internal: "C"})
    assert agreed.grade == "C"
    stood = settle_committee.fn(occasion, case.appeal_id, "appeal", JOINT_ROUND, {ext: "D", internal: "B"})
    assert (stood.grade, stood.how) == ("D", "external")
    outcomes = [e["outcome"] for e in committee_events(occasion, "appeal.committee_graded")]
    assert outcomes == ["differ", "agreed", "external"]


def test_a_deadlock_and_a_grade_off_the_scale_are_refused_with_nothing_settled(
    occasion: str, case: AppealCase
) -> None:
    _, internal = members(occasion, case)
    with pytest.raises(CommitteeDeadlock, match="no external member graded"):
        settle_committee.fn(
            occasion, case.appeal_id, "appeal", JOINT_ROUND, {internal: "B", "staff-appeal-2": "C"}
        )
    [deadlock] = committee_events(occasion, "appeal.committee_deadlocked")
    assert deadlock["grades"] == {internal: "B", "staff-appeal-2": "C"}
    with pytest.raises(
        ValueError, match=f"appeal {case.appeal_id}, {internal}: the grade Q is not on the scale A-F"
    ):
        settle_committee.fn(
            occasion, case.appeal_id, "appeal", BLIND_ROUND, {internal: "Q", "staff-appeal-2": "C"}
        )
    assert committee_events(occasion, "appeal.committee_graded") == []
    with transaction() as session:
        assert session.get(Appeal, case.appeal_id).status == "received"  # type: ignore[union-attr]


def test_the_new_grade_reaches_fs_only_by_the_protocol_of_that_candidate(
    fakes: FakeSystems, occasion: str, case: AppealCase
) -> None:
    _, old = first_graded(occasion)
    new = "A" if old != "A" else "B"
    before = valid_in_fs(fakes, occasion)
    decide_appeal.fn(occasion, case.appeal_id, new, "staff-appeal-ext-1, staff-appeal-1")
    assert valid_in_fs(fakes, occasion) == before  # deciding writes nothing to FS
    check = new_grade_into_fs(fakes, occasion, case.registration_id, f"appeal-{case.appeal_id}")
    assert (check.candidate, check.found, check.discrepancy) == (case.candidate, new, None)
    assert valid_in_fs(fakes, occasion) == {**before, case.candidate: new}  # no other candidate's


def test_a_published_grade_changed_is_found_and_its_student_told(
    occasion: str, case: AppealCase, tmp_path: Path
) -> None:
    code, old = first_graded(occasion)
    unchanged = (code, old, old)
    changes = published_changes.fn(occasion, [(code, old, "A" if old != "A" else "B"), unchanged])
    assert [(c.candidate, c.before) for c in changes] == [(code, old)]
    assert tell_changed_grades.fn(occasion, changes, "question 3 was rescored for every candidate") == 1
    mails = [p.read_text() for p in get_settings().outbox_dir.glob("*.eml")]
    told = [m for m in mails if f"Your grade on {occasion} has changed" in m]
    assert (
        len(told) == 1
        and f"from {old} to {changes[0].after}" in told[0]
        and "question 3 was rescored" in told[0]
    )
