"""The real clients against the Protocols they serve, checked by mypy (`make test`): a client that
drifts from its Protocol fails the type check, not a flow at run time."""

from integrations.systems import HttpSystems, Systems

_http: type[Systems] = HttpSystems
