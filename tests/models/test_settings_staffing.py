"""How many candidates one invigilator and one IT support take, from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.settings import settings_from_env


def test_the_ratios_default_and_are_read(tmp_path: Path) -> None:
    default = settings_from_env({"EXAMFLOW_HOME": str(tmp_path)})
    assert (default.candidates_per_invigilator, default.candidates_per_it_support) == (30, 60)
    given = settings_from_env(
        {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_CANDIDATES_PER_INVIGILATOR": "25",
            "EXAMFLOW_CANDIDATES_PER_IT_SUPPORT": "100",
        }
    )
    assert (given.candidates_per_invigilator, given.candidates_per_it_support) == (25, 100)


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "many"])
def test_a_ratio_that_is_not_a_whole_number_of_candidates_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(
        ValueError, match=f"EXAMFLOW_CANDIDATES_PER_INVIGILATOR: '{text}' is not a whole number"
    ):
        settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_CANDIDATES_PER_INVIGILATOR": text})
