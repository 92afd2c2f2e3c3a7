"""The retention periods per kind of a candidate's data: the defaults, a kind's period replaced
from EXAMFLOW_RETENTION, and an unknown kind or a bad duration refused naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.settings import RETENTION, settings_from_env


def test_the_defaults_hold_until_a_kind_is_replaced() -> None:
    assert settings_from_env({}).retention == RETENTION
    changed = settings_from_env({"EXAMFLOW_RETENTION": "mails=90d, answers=1095d"}).retention
    assert changed == RETENTION | {"mails": timedelta(days=90), "answers": timedelta(days=1095)}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "papers=90d",
            "EXAMFLOW_RETENTION: no kind of data papers; the kinds are answers, personal, notes, mails, audit",
        ),
        ("mails=3 months", r"EXAMFLOW_RETENTION \(mails\): '3 months' is not a duration"),
        ("mails", "EXAMFLOW_RETENTION: 'mails' is not a list such as"),
    ],
)
def test_a_bad_retention_is_refused_naming_it(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings_from_env({"EXAMFLOW_RETENTION": value})
