"""The learning platform's settings: its address from the declaration, its token never a placeholder
beyond this machine, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from models.settings import settings_from_env
from models.systems import CANVAS


def test_the_address_defaults_to_the_declared_stand_in(tmp_path: Path) -> None:
    assert settings_from_env({"EXAMFLOW_HOME": str(tmp_path)}).canvas_url == "http://127.0.0.1:8760/"
    assert CANVAS.url_env == "EXAMFLOW_CANVAS_URL"


def test_the_placeholder_token_is_refused_beyond_this_machine(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="EXAMFLOW_CANVAS_TOKEN must be set"):
        settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_CANVAS_URL": "https://canvas.uni.se/"})
    real = settings_from_env(
        {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_CANVAS_URL": "https://canvas.uni.se/",
            "EXAMFLOW_CANVAS_TOKEN": "t-very-secret",
        }
    )
    assert real.canvas_token.get_secret_value() == "t-very-secret"
    assert "t-very-secret" not in repr(real) and "t-very-secret" not in real.model_dump_json()
