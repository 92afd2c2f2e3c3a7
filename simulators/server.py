"""Running a stand-in: in its own process for the stack, or in a thread for a test."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serves `app` on 127.0.0.1 over real HTTP until the block ends; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"stand-in did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(name: str, create_app: Callable[[Path], FastAPI], default_port: int) -> None:
    """`python -m simulators.<name> --port P --state FILE`: one stand-in in this process."""
    parser = argparse.ArgumentParser(description=f"the {name} stand-in")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--state", type=Path, required=True, help="SQLite file holding its state")
    args = parser.parse_args()
    uvicorn.run(create_app(args.state), host="127.0.0.1", port=args.port, log_level="warning")
