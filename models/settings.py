"""One validated settings object, read from the environment (secrets never live in code)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home: Path
    database_url: str
    ladok_url: str
    inspera_url: str
    archive_url: str
    inspera_api_key: str
    inspera_tenant: str

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
        inspera_api_key=env.get("EXAMFLOW_INSPERA_API_KEY", "local-stand-in-key"),
        inspera_tenant=env.get("EXAMFLOW_INSPERA_TENANT", "examflow-local"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
