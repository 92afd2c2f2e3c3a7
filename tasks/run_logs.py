"""examflow's log records in the run's own log, the Logs tab of the Prefect UI.

Flows and tasks log through Prefect's `get_run_logger()`. The clients (`integrations/`), the store
and a task module's own logger (such as the transfer's progress) log through the standard library: `forward_to_runs` hands their
records to Prefect's API log handler while a flow or task run is current where they are logged. A
record logged outside any run (a benchmark, a script) goes nowhere new, and so, by design, does one
logged in a client's worker thread: the clients run some calls in a ThreadPoolExecutor (the
register's concurrent lookups and writes), whose threads carry no run context.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from prefect import get_run_logger
from prefect.context import FlowRunContext, TaskRunContext
from prefect.exceptions import MissingContextError
from prefect.logging.handlers import APILogHandler

FORWARDED = ("integrations", "store", "tasks")


class _InRun(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def forward_to_runs(names: tuple[str, ...] = FORWARDED) -> None:
    """Sends INFO and above of these loggers to the current run's log; a second call adds nothing."""
    for name in names:
        logger = logging.getLogger(name)
        if any(isinstance(h, APILogHandler) for h in logger.handlers):
            continue
        handler = APILogHandler(level=logging.INFO)
        handler.addFilter(_InRun())
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Prefect's `get_run_logger()`; outside any run (a task's function called directly, as tests
    do) the plain `examflow` logger, so a log line never makes a task fail."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("examflow")


def counted(counts: Mapping[Any, int]) -> str:
    """A count per kind as a person reads it: 'A 3, B 10, F 2' ('none' when empty)."""
    return ", ".join(f"{str(kind).replace('_', ' ')} {count}" for kind, count in counts.items()) or "none"
