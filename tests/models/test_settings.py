"""Settings refuse the stand-in's placeholder key for a real platform, and keep a signing key."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from models.settings import settings_from_env


def test_the_placeholder_key_is_refused_beyond_this_machine(tmp_path: Path):
    with pytest.raises(ValidationError, match="EXAMFLOW_INSPERA_API_KEY must be set"):
        settings_from_env(
            {"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_INSPERA_URL": "https://uni.inspera.com/api/"}
        )
    real = settings_from_env(
        {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_INSPERA_URL": "https://uni.inspera.com/api/",
            "EXAMFLOW_INSPERA_API_KEY": "k-123",
        }
    )
    assert real.inspera_api_key.get_secret_value() == "k-123"


def test_the_signing_key_is_made_once_private_and_kept(tmp_path: Path):
    settings = settings_from_env({"EXAMFLOW_HOME": str(tmp_path)})
    key = settings.signing_key
    assert len(key) == 64
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert settings_from_env({"EXAMFLOW_HOME": str(tmp_path)}).signing_key == key
    assert settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_SECRET": "s"}).signing_key == b"s"


def _signing_key_of(home: str, start: Any) -> bytes:
    start.wait()
    return settings_from_env({"EXAMFLOW_HOME": home}).signing_key


def test_workers_sharing_a_home_all_read_the_one_key_made_first(tmp_path: Path):
    """Several processes (workers on machines sharing EXAMFLOW_HOME) asking for the key at once."""
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        keys = pool.starmap(_signing_key_of, [(str(tmp_path), start)] * 4)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no draft left behind


def test_the_placeholder_fs_password_is_refused_beyond_this_machine(tmp_path: Path):
    with pytest.raises(ValidationError, match="EXAMFLOW_FS_PASSWORD must be set"):
        settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_FS_URL": "https://fs.example.no/"})
    real = settings_from_env(
        {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_FS_URL": "https://fs.example.no/",
            "EXAMFLOW_FS_USER": "uni-api",
            "EXAMFLOW_FS_PASSWORD": "p-123",
        }
    )
    assert (real.fs_user, real.fs_password.get_secret_value()) == ("uni-api", "p-123")


def test_no_secret_shows_in_a_repr_a_dump_or_a_refusal(tmp_path: Path):
    env = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_INSPERA_API_KEY": "k-very-secret",
        "EXAMFLOW_FS_PASSWORD": "p-very-secret",
        "EXAMFLOW_SECRET": "s-very-secret",
        "EXAMFLOW_DATABASE_URL": "postgresql+psycopg://examflow:db-very-secret@db.example.org/examflow",
    }
    settings = settings_from_env(env)
    shown = [repr(settings), str(settings), settings.model_dump_json()]
    for text in shown:
        assert "very-secret" not in text
    assert "postgresql+psycopg://examflow:***@db.example.org/examflow" in repr(settings)
    assert settings.database_url.endswith(":db-very-secret@db.example.org/examflow")
    with pytest.raises(ValidationError) as refused:
        settings_from_env(
            env | {"EXAMFLOW_FS_URL": "https://fs.example.no/", "EXAMFLOW_FS_PASSWORD": "local-stand-in-key"}
        )
    assert "very-secret" not in str(refused.value)
