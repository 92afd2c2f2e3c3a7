"""Python's cyclic garbage collector paused over bulk work.

A nightly sync parses, diffs and writes hundreds of thousands of short-lived objects (JSON rows,
frames, statement parameters). None of them form cycles, so reference counting frees them; but
each allocation burst also triggers the cyclic collector, whose full passes walk every object the
process holds (Prefect, SQLAlchemy and pandas included). Over a 100,000-registration sync those
passes cost seconds (`bench/sync.py`). Pausing the collector for the bulk section and resuming it
afterwards leaves any cycle made meanwhile to the next collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # sections paused now, in any thread
_resume = False  # whether the collector was enabled when the first of them began


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the section; on again when the last paused section (in any thread)
    ends, unless it was off before the first began."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
