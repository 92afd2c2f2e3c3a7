"""Graders' hourly rates and minimum fee from the environment: read exactly, refused naming the
variable when they are not amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.settings import settings_from_env


def test_the_sample_rates_hold_when_nothing_is_set() -> None:
    settings = settings_from_env({})
    assert settings.grader_rates == {"NO": Decimal("450.00"), "SE": Decimal("400.00")}
    assert settings.grader_minimum_hours == 0


def test_rates_and_minimum_are_read_exactly() -> None:
    settings = settings_from_env(
        {"EXAMFLOW_GRADER_RATES": " no=512.35 , SE=0.1", "EXAMFLOW_GRADER_MINIMUM_HOURS": "2.5"}
    )
    assert settings.grader_rates == {"NO": Decimal("512.35"), "SE": Decimal("0.1")}
    assert settings.grader_minimum_hours == Decimal("2.5")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"EXAMFLOW_GRADER_RATES": "NO=-1"}, "EXAMFLOW_GRADER_RATES (NO): '-1'"),
        ({"EXAMFLOW_GRADER_RATES": "NO=4.505"}, "EXAMFLOW_GRADER_RATES (NO): '4.505'"),
        ({"EXAMFLOW_GRADER_RATES": "NO"}, "EXAMFLOW_GRADER_RATES: 'NO' is not a list"),
        ({"EXAMFLOW_GRADER_RATES": "SE=many"}, "EXAMFLOW_GRADER_RATES (SE): 'many'"),
        ({"EXAMFLOW_GRADER_MINIMUM_HOURS": "NaN"}, "EXAMFLOW_GRADER_MINIMUM_HOURS: 'NaN'"),
    ],
)
def test_a_wrong_rate_is_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("(", r"\(").replace(")", r"\)")):
        settings_from_env(env)
