"""The sample term and the one sample exam that `make run` and the demo take through the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def seed_term(ladok_url: str, **spec: Any) -> list[str]:
    """Loads a generated term into the register stand-in; returns its occasion uids."""
    response = httpx.post(f"{ladok_url.rstrip('/')}/_sim/term", json=spec, timeout=120)
    response.raise_for_status()
    return list(response.json()["occasions"])


def hold_this_morning(
    ladok_url: str, occasion_uid: str, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """Moves the sample exam to a window that ended this morning, so exam day can close it
    (the deadline, extra time included, has passed) and the lifecycle runs on without waiting."""
    now = now or datetime.now(UTC)
    starts = now.replace(microsecond=0) - timedelta(hours=5)
    ends = starts + timedelta(hours=2)
    response = httpx.post(
        f"{ladok_url.rstrip('/')}/_sim/occasions/{occasion_uid}/window",
        json={"starts_at": starts.isoformat(), "ends_at": ends.isoformat()},
        timeout=30,
    )
    response.raise_for_status()
    return starts, ends


def registrations(ladok_url: str, occasion_uid: str) -> int:
    response = httpx.get(
        f"{ladok_url.rstrip('/')}/_sim/registrations", params={"occasion": occasion_uid}, timeout=30
    )
    response.raise_for_status()
    return len(response.json())
