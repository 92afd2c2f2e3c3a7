"""Serves every deployment of prefect.yaml, with its schedules, from this one process.

`python -m deployments.serve` needs PREFECT_API_URL pointing at a running Prefect server.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from models.settings import REPO_ROOT

PREFECT_YAML = REPO_ROOT / "prefect.yaml"


def load_flow(entrypoint: str) -> Flow[..., Any]:
    """`flows/grading.py:grading` → the flow object."""
    path, name = entrypoint.split(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
    return getattr(module, name)


def deployments(config: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    spec = yaml.safe_load(config.read_text())
    return [
        load_flow(d["entrypoint"]).to_deployment(  # type: ignore[misc]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
            name=d["name"],
            description=d.get("description"),
            tags=d.get("tags", []),
            schedules=[
                Cron(s["cron"], timezone=s.get("timezone"), parameters=s.get("parameters"))
                for s in d.get("schedules", [])
            ],
        )
        for d in spec["deployments"]
    ]


def main() -> None:
    serve(*deployments(), limit=8)


if __name__ == "__main__":
    main()
