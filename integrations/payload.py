"""Tolerant reading of a vendor's payload: unknown fields are ignored, a missing required field is
refused naming the system, the record and the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.http import ApiError


class MissingField(ApiError):
    """A payload lacks a field the vendor documents as always present (or holds it empty)."""

    def __init__(self, system: str, record: str, field: str, problem: str = "is missing or empty") -> None:
        self.system, self.status, self.record, self.field = system, None, record, field
        Exception.__init__(self, f"{system}: {record}: the field {field} {problem}")


def required(system: str, record: str, data: Any, field: str) -> Any:
    """`data[field]`, refused as MissingField when `data` is no object or the field is absent or null."""
    value = data.get(field) if isinstance(data, Mapping) else None
    if value is None:
        raise MissingField(system, record, field)
    return value
