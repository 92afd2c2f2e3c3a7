"""Running a stand-in: in its own process for the stack, or in a thread for a test."""

from __future__ import annotations

import argparse
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from models.systems import SystemDeclaration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Tls:
    """HTTPS for a stand-in: its certificate and key, and the CA its clients' certificates must
    be signed by (a client without one is refused), as Ladok's integration API does."""

    certificate: Path
    key: Path
    client_ca: Path


@contextmanager
def serve_in_thread(app: FastAPI, port: int | None = None, tls: Tls | None = None) -> Iterator[str]:
    """Serves `app` on 127.0.0.1 over real HTTP (HTTPS with `tls`) until the block ends; yields
    its base URL."""
    port = port or free_port()
    secured: dict[str, Any] = {}
    if tls is not None:
        secured = dict(
            ssl_certfile=str(tls.certificate),
            ssl_keyfile=str(tls.key),
            ssl_ca_certs=str(tls.client_ca),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
        )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **secured)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"stand-in did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(system: SystemDeclaration, create_app: Callable[[Path], FastAPI]) -> None:
    """`python -m simulators.<name> --port P --state FILE`: one stand-in in this process."""
    parser = argparse.ArgumentParser(description=f"the stand-in of {system.title}")
    parser.add_argument("--port", type=int, default=system.default_port)
    parser.add_argument("--state", type=Path, required=True, help="SQLite file holding its state")
    args = parser.parse_args()
    uvicorn.run(create_app(args.state), host="127.0.0.1", port=args.port, log_level="warning")
