"""The time tasks decide by: one place to read it, and to move it in a test."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
