"""The local stack behind `make run`: a Prefect server on SQLite, the stand-in of every declared
outside system (`models/systems.py`) and the served deployments, all with their state under
EXAMFLOW_HOME (Prefect's home too). Children are stopped cleanly, last started first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from models.settings import REPO_ROOT, settings_from_env
from models.systems import SYSTEMS, SystemDeclaration


class StackError(RuntimeError):
    """A part of the stack did not come up; the message names it and its log."""


def default_ports() -> dict[str, int]:
    """The Prefect server's port and each declared system's stand-in port."""
    return {"prefect": 4200, **{system.name: system.default_port for system in SYSTEMS}}


@dataclass
class Stack:
    home: Path
    ports: dict[str, int] = field(default_factory=default_ports)
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    # settings of every child beyond the stack's own, e.g. PostgreSQL for the Prefect server
    # (PREFECT_API_DATABASE_CONNECTION_URL) and for examflow's store (EXAMFLOW_DATABASE_URL)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['prefect']}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['prefect']}"

    def url_of(self, system: SystemDeclaration) -> str:
        """The address of the system's stand-in in this stack."""
        return system.local_url(self.ports[system.name])

    def env(self) -> dict[str, str]:
        """The environment of every child and of this process's Prefect client."""
        return {
            **os.environ,
            "EXAMFLOW_HOME": str(self.home),
            "EXAMFLOW_REPO": str(REPO_ROOT),
            **{system.url_env: self.url_of(system) for system in SYSTEMS},
            "PREFECT_HOME": str(self.home / "prefect"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_UI_URL": self.ui_url,
            "PREFECT_SERVER_API_PORT": str(self.ports["prefect"]),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # a resumed or next-phase run starts within a second
            "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
            "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"),
            "PYTHONPATH": str(REPO_ROOT),
            **self.settings,
        }

    @contextmanager
    def in_this_process(self) -> Iterator[None]:
        """Points this process's examflow settings and Prefect client at the stack. Prefect reads
        its settings once, at import: environment variables set later do not reach it."""
        from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

        from models.settings import get_settings

        os.environ.update({k: v for k, v in self.env().items() if k.startswith("EXAMFLOW_")})
        get_settings.cache_clear()
        with temporary_settings(updates={PREFECT_API_URL: self.api_url, PREFECT_UI_URL: self.ui_url}):
            yield

    def _spawn(self, name: str, *args: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> None:
        """Starts a child in a session of its own, its output in logs/<name>.log; `env` replaces the
        stack's environment (a worker's own home)."""
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = (logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd,
            env=env or self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append((name, process))

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float = 120) -> None:
        process = dict(self.children)[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}; see {self.home}/logs/{name}.log")
            if ready():
                return
            time.sleep(0.3)
        raise StackError(f"{name} was not ready in {timeout:.0f} s; see {self.home}/logs/{name}.log")

    def start_services(self) -> None:
        """The Prefect server and the stand-ins, each ready before this returns."""
        self._spawn(
            "prefect-server",
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports["prefect"]),
        )
        for system in SYSTEMS:
            state = str(self.home / "simulators" / system.state)
            port = str(self.ports[system.name])
            self._spawn(
                system.name, "-m", system.standin, "--port", port, "--state", state, *system.standin_args
            )
        for system in SYSTEMS:
            self._wait(system.name, _answers(f"http://127.0.0.1:{self.ports[system.name]}/_sim/faults"))
        self._wait("prefect-server", _answers(f"{self.api_url}/health"))

    def prepare_store(self) -> None:
        """Our database at the newest schema, with the sample exam office's staff."""
        from deployments.staff import seed_staff
        from store.db import make_engine, transaction
        from store.migrate import upgrade

        engine = make_engine(settings_from_env(self.env()).database_url)
        upgrade(engine)
        with transaction(engine) as session:
            seed_staff(session)
        engine.dispose()

    def serve_deployments(self, expected: int) -> None:
        """Starts the serving process and waits until it has registered all deployments (again,
        when it is started anew)."""
        started = datetime.now(UTC)
        self._spawn("serve", "-m", "deployments.serve")

        def registered() -> bool:
            response = httpx.post(f"{self.api_url}/deployments/filter", json={}, timeout=5)
            if response.status_code != 200:
                return False
            return sum(datetime.fromisoformat(d["updated"]) >= started for d in response.json()) >= expected

        self._wait("serve", registered, timeout=180)
        self.make_automations()

    def make_automations(self) -> None:
        """The automations that mail a stuck run's coordinators (deployments/automations.py), made
        anew each time the deployments are served: one of each is left."""
        from prefect.client.orchestration import SyncPrefectClient

        from deployments.automations import make_automations, suspended_past_reminder

        with SyncPrefectClient(self.api_url) as client:
            make_automations(client, suspended_past_reminder(settings_from_env(self.env())))

    def kill_serve(self) -> None:
        """SIGKILLs the serving process and every process it started."""
        self.kill("serve")

    def kill(self, name: str) -> None:
        """SIGKILLs the named child and every process it started, as a crash of its machine would
        end them: nothing is told, nothing cleaned up."""
        process = dict(self.children)[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.children = [(name, p) for name, p in self.children if p is not process]

    def stop(self) -> None:
        """Stops the children one by one, last started first (the server outlives the serve process)."""
        for name, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT if name == "serve" else signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.children.clear()


def _answers(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return ready
