"""What every fake shares: a connection that is itself, and the one fault the flows branch on."""

from __future__ import annotations

from typing import Self

from integrations.http import ApiError, Unavailable


class Outages:
    """How many more calls to each system (by its declared name) fail as `Unavailable`, as a
    client's calls do once the system's 5xx outlast the retry budget."""

    def __init__(self) -> None:
        self.remaining: dict[str, int] = {}

    def fail_next(self, system: str, calls: int) -> None:
        self.remaining[system] = self.remaining.get(system, 0) + calls

    def check(self, system: str) -> None:
        if self.remaining.get(system, 0) > 0:
            self.remaining[system] -= 1
            raise Unavailable(system, 503, "gave up: the system is down (a fault set by the test)")


class FakeConnection:
    """A fake's connection: opening it gives the fake itself, closing it does nothing. Each call
    of the Protocol starts with `self.called()`, where an outage set by the test strikes."""

    system = ""

    def __init__(self, outages: Outages) -> None:
        self.outages = outages

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def called(self) -> None:
        self.outages.check(self.system)

    def refused(self, status: int, message: str) -> ApiError:
        """The error the system's client raises for this refusal (its status and message)."""
        return ApiError(self.system, status, message)
