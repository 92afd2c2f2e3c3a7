"""Every contract payload meets its schema, and every schema has at least one payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.contracts import CONTRACTS, payload, payload_files, schema_name, violations


@pytest.mark.parametrize("path", payload_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_payload_meets_its_schema(path: Path) -> None:
    system = path.parent.name
    assert violations(system, schema_name(path), payload(system, path.name.removesuffix(".json"))) == []


@pytest.mark.parametrize("path", sorted(CONTRACTS.glob("*/*.schema.json")), ids=lambda p: p.name)
def test_each_schema_is_valid_and_used(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text()))
    used = {schema_name(p) for p in payload_files() if p.parent == path.parent}
    assert path.name.removesuffix(".schema.json") in used, f"{path.name} checks no payload"


def test_each_system_says_where_its_fields_come_from() -> None:
    for folder in {p.parent for p in payload_files()}:
        assert (folder / "README.md").is_file(), f"{folder.name} has no README naming its sources"
