"""Contract fixtures: payloads in each vendor's own shape, written from public sources, with a JSON
schema per payload that both our clients' inputs and our stand-ins' answers must meet.

Layout: `tests/contracts/<system>/` holds `README.md` (where each field comes from and which fields
are modelled, i.e. unverified), payloads named `<schema>.json` or `<schema>.<variant>.json`, and
`<schema>.schema.json`. Schemas require what the vendor documents and allow unknown fields, as the
clients and the stand-ins read tolerantly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

CONTRACTS = Path(__file__).resolve().parent


def payload(system: str, name: str) -> Any:
    """The payload `tests/contracts/<system>/<name>.json`, parsed."""
    return json.loads((CONTRACTS / system / f"{name}.json").read_text(encoding="utf-8"))


def schema(system: str, name: str) -> dict[str, Any]:
    return dict(json.loads((CONTRACTS / system / f"{name}.schema.json").read_text(encoding="utf-8")))


def schema_name(payload_file: Path) -> str:
    """The schema a payload file is checked against: its name up to the first dot."""
    return payload_file.name.split(".", 1)[0]


def violations(system: str, schema_of: str, data: Any) -> list[str]:
    """Every place where `data` breaks the schema, as `path: message`."""
    validator = Draft202012Validator(schema(system, schema_of))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check(system: str, schema_of: str, data: Any) -> None:
    """Fails naming the system, the schema and each violation when `data` breaks the schema."""
    found = violations(system, schema_of, data)
    assert not found, f"{system} {schema_of}: " + "; ".join(found[:10])


def payload_files() -> list[Path]:
    return sorted(p for p in CONTRACTS.glob("*/*.json") if not p.name.endswith(".schema.json"))
