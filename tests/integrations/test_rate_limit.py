"""The client-side rate limit: a burst of one second's worth, then one request per 1/rate seconds."""

from __future__ import annotations

import pytest

from integrations.http import RateLimit
from tasks.systems import systems


class Clock:
    """Mocked time: sleeping moves it on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_then_the_rate():
    clock = Clock()
    limit = RateLimit(10, clock=lambda: clock.now, sleep=clock.sleep)
    for _ in range(10):
        limit.wait()
    assert clock.slept == []  # the first second's worth goes at once
    for _ in range(20):
        limit.wait()
    assert clock.now == pytest.approx(2.0)  # 20 more at 10 a second take two seconds
    assert all(s == pytest.approx(0.1) for s in clock.slept)


def test_idle_time_refills_up_to_one_burst():
    clock = Clock()
    limit = RateLimit(5, clock=lambda: clock.now, sleep=clock.sleep)
    for _ in range(5):
        limit.wait()
    clock.now += 60  # a long pause earns one burst, not sixty seconds' worth
    for _ in range(6):
        limit.wait()
    assert clock.slept == [pytest.approx(0.2)]


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        RateLimit(0)


def test_the_transfer_client_keeps_inside_the_configured_rate(monkeypatch: pytest.MonkeyPatch):
    from models.settings import get_settings

    monkeypatch.setenv("EXAMFLOW_LADOK_REQUESTS_PER_SECOND", "25")
    get_settings.cache_clear()
    try:
        with systems().register(writers=16) as writing, systems().register() as reading:
            assert writing.rate_limit is not None and writing.rate_limit.per_second == 25
            assert reading.rate_limit is None
    finally:
        monkeypatch.delenv("EXAMFLOW_LADOK_REQUESTS_PER_SECOND")
        get_settings.cache_clear()
