"""prefect.yaml, which `deployments/serve.py` serves, deploys every flow in flows/, each once,
and each entrypoint names the flow it points at."""

from __future__ import annotations

import importlib
import pkgutil

import yaml
from prefect import Flow

import flows
from deployments.serve import PREFECT_YAML, load_flow


def test_every_flow_is_deployed_once_and_every_entrypoint_loads_a_flow() -> None:
    spec = yaml.safe_load(PREFECT_YAML.read_text())
    deployed = [load_flow(d["entrypoint"]) for d in spec["deployments"]]
    assert all(isinstance(f, Flow) for f in deployed)
    names = [f.name for f in deployed]
    assert len(names) == len(set(names))
    found = {
        value.name
        for module in pkgutil.iter_modules(flows.__path__)
        for value in vars(importlib.import_module(f"flows.{module.name}")).values()
        if isinstance(value, Flow) and value.__module__ == f"flows.{module.name}"
    }
    assert found == set(names)
    assert "seating-plan" in names
