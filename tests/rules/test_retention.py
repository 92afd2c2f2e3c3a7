"""Which kinds of an exam's data are due, when the next falls due, and an audit detail reduced to
the candidates' codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.settings import RETENTION
from rules.retention import KINDS, codes_only, due_kinds, due_on, personal_values, reduced

SINCE = datetime(2026, 1, 20, tzinfo=UTC)
DAY = timedelta(days=1)


def test_every_kind_of_the_settings_is_purged_in_a_set_order() -> None:
    assert set(KINDS) == set(RETENTION)
    assert KINDS.index("audit") < KINDS.index("personal")  # details matched while names are held


def test_a_kind_is_due_the_day_its_period_has_run_and_not_before() -> None:
    assert due_kinds(SINCE, RETENTION, SINCE + 365 * DAY - timedelta(seconds=1)) == []
    assert due_kinds(SINCE, RETENTION, SINCE + 365 * DAY) == ["mails"]
    assert due_kinds(SINCE, RETENTION, SINCE + 730 * DAY) == ["answers", "mails", "notes", "personal"]
    assert due_kinds(SINCE, RETENTION, SINCE + 3650 * DAY) == list(KINDS)


def test_a_kind_purged_already_is_not_due_again_and_the_next_due_follows() -> None:
    assert due_kinds(SINCE, RETENTION, SINCE + 730 * DAY, done=["mails", "answers"]) == ["notes", "personal"]
    assert due_on(SINCE, RETENTION) == SINCE + 365 * DAY
    assert due_on(SINCE, RETENTION, done=["mails"]) == SINCE + 730 * DAY
    assert due_on(SINCE, RETENTION, done=KINDS) is None


def test_a_policy_without_every_kind_is_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="retention: no period set for mails, audit"):
        due_kinds(SINCE, {k: v for k, v in RETENTION.items() if k not in ("mails", "audit")}, SINCE)


CANDIDATES = [
    ("LA-001", "stu-0001", "Ada", "Lovelace", "19900101-1234", "ada@example.org"),
    ("LA-002", "stu-00012", "Alan", "Turing", None, None),
    ("LA-003", "stu-0003", "Ada", "Byron", None, "byron@example.org"),
]


def test_personal_values_are_matched_whole_or_within_and_a_shared_one_names_no_candidate() -> None:
    exact, within = personal_values(CANDIDATES)
    assert exact["stu-0001"] == "LA-001" and exact["Turing"] == "LA-002"
    assert exact["Ada"] == "a candidate"  # two candidates are called Ada
    assert within == {
        "Ada Lovelace": "LA-001",
        "19900101-1234": "LA-001",
        "ada@example.org": "LA-001",
        "Alan Turing": "LA-002",
        "Ada Byron": "LA-003",
        "byron@example.org": "LA-003",
    }


def test_a_detail_keeps_its_shape_with_each_personal_value_reduced_to_the_code() -> None:
    exact, within = personal_values(CANDIDATES)
    detail = {
        "student_uid": "stu-00012",
        "students": ["stu-0001", "stu-0003"],
        "message": "Mailed Ada Lovelace at ada@example.org",
        "national_id": "19900101-1234",
        "first_name": "Ada",
        "grade": "B",
        "points": 41.5,
        "other": "stu-000123",
    }
    assert reduced(detail, exact, within) == {
        "student_uid": "LA-002",
        "students": ["LA-001", "LA-003"],
        "message": "LA-001",
        "national_id": "LA-001",
        "first_name": "a candidate",
        "grade": "B",
        "points": 41.5,
        "other": "stu-000123",  # another's id holding this one's: matched whole only
    }


def test_once_the_audit_kind_is_due_a_detail_keeps_only_the_codes_it_names() -> None:
    detail = {"candidate": "LA-002", "by": ["LA-001", "x"], "reason": "late", "n": 3}
    assert codes_only(detail, ["LA-001", "LA-002", "LA-009"]) == {"codes": ["LA-001", "LA-002"]}
    assert codes_only({"count": 12}, ["LA-001"]) == {"codes": []}
