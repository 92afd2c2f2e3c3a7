"""Which outside systems the tasks of this process talk to: the ones the settings give (the real
endpoints or the HTTP stand-ins), unless a test has installed others (in-process fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.systems import HttpSystems, Systems
from models.settings import get_settings

_installed: list[Systems] = []


def systems() -> Systems:
    """The systems in use now; built from the settings unless others are installed."""
    return _installed[-1] if _installed else HttpSystems(get_settings())


@contextmanager
def installed(replacement: Systems) -> Iterator[Systems]:
    """Every task in this process uses `replacement` until the block ends (task threads included,
    which a context variable would not reach)."""
    _installed.append(replacement)
    try:
        yield replacement
    finally:
        _installed.remove(replacement)
