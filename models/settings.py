"""One validated settings object, read from the environment (secrets never live in code)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, model_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
STAND_IN_KEY = "local-stand-in-key"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home: Path
    database_url: str
    ladok_url: str
    inspera_url: str
    archive_url: str
    similarity_url: str
    fs_url: str
    inspera_api_key: str
    inspera_tenant: str
    fs_user: str = "examflow"
    fs_password: str = STAND_IN_KEY
    secret: str = ""
    ladok_requests_per_second: float | None = None  # the register's rate limit, where it has one
    approval_valid_for: timedelta = timedelta(days=14)
    approval_valid_for_by_kind: dict[str, timedelta] = {}  # a kind, or the first word of kinds
    approval_reminder_before: timedelta = timedelta(days=2)

    @model_validator(mode="after")
    def _no_placeholder_secret_outside(self) -> Settings:
        if self.inspera_api_key == STAND_IN_KEY and urlparse(self.inspera_url).hostname not in LOOPBACK:
            raise ValueError("EXAMFLOW_INSPERA_API_KEY must be set for an exam platform beyond this machine")
        if self.fs_password == STAND_IN_KEY and urlparse(self.fs_url).hostname not in LOOPBACK:
            raise ValueError("EXAMFLOW_FS_PASSWORD must be set for an FS register beyond this machine")
        return self

    @property
    def signing_key(self) -> bytes:
        """The key of examflow's HMACs (approval codes, anonymisation letters): EXAMFLOW_SECRET,
        or a random one kept in EXAMFLOW_HOME/secret.key, made on first use."""
        if self.secret:
            return self.secret.encode()
        path = self.home / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(descriptor, "w") as file:
                    file.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

    def approval_lifetime(self, kind: str) -> timedelta:
        """How long an approval of `kind` waits: its own setting, else that of its first word
        ('grading' covers 'grading-own-staff-examiner-1'), else the default."""
        by_kind = self.approval_valid_for_by_kind
        return by_kind.get(kind) or by_kind.get(kind.split("-")[0]) or self.approval_valid_for

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def simulator_dir(self) -> Path:
        return self.home / "simulators"


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("EXAMFLOW_HOME", REPO_ROOT / ".examflow")).resolve()
    return Settings(
        home=home,
        database_url=env.get("EXAMFLOW_DATABASE_URL", f"sqlite:///{home / 'examflow.db'}"),
        ladok_url=env.get("EXAMFLOW_LADOK_URL", "http://127.0.0.1:8710/"),
        inspera_url=env.get("EXAMFLOW_INSPERA_URL", "http://127.0.0.1:8720/api/"),
        archive_url=env.get("EXAMFLOW_ARCHIVE_URL", "http://127.0.0.1:8730/"),
        similarity_url=env.get("EXAMFLOW_SIMILARITY_URL", "http://127.0.0.1:8740/"),
        fs_url=env.get("EXAMFLOW_FS_URL", "http://127.0.0.1:8750/"),
        inspera_api_key=env.get("EXAMFLOW_INSPERA_API_KEY", STAND_IN_KEY),
        inspera_tenant=env.get("EXAMFLOW_INSPERA_TENANT", "examflow-local"),
        fs_user=env.get("EXAMFLOW_FS_USER", "examflow"),
        fs_password=env.get("EXAMFLOW_FS_PASSWORD", STAND_IN_KEY),
        secret=env.get("EXAMFLOW_SECRET", ""),
        ladok_requests_per_second=float(env["EXAMFLOW_LADOK_REQUESTS_PER_SECOND"])
        if env.get("EXAMFLOW_LADOK_REQUESTS_PER_SECOND")
        else None,
        approval_valid_for=duration(env, "EXAMFLOW_APPROVAL_VALID_FOR", "14d"),
        approval_valid_for_by_kind=durations(env, "EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND"),
        approval_reminder_before=duration(env, "EXAMFLOW_APPROVAL_REMINDER_BEFORE", "2d"),
    )


DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhms])\s*$")
UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def _duration(text: str, name: str) -> timedelta:
    match = DURATION.match(text)
    if match is None:
        raise ValueError(f"{name}: '{text}' is not a duration such as 14d, 36h, 30m or 5s")
    return timedelta(**{UNITS[match.group(2)]: float(match.group(1))})


def duration(env: dict[str, str], name: str, default: str) -> timedelta:
    """The variable `name` as '14d', '36h', '30m' or '5s'."""
    return _duration(env.get(name) or default, name)


def durations(env: dict[str, str], name: str) -> dict[str, timedelta]:
    """The variable `name` as 'plan=7d,transfer=3d': a duration per approval kind."""
    text = env.get(name, "")
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{name}: '{text}' is not a list such as plan=7d,transfer=3d")
    return {kind.strip(): _duration(value, f"{name} ({kind.strip()})") for kind, value in pairs}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
