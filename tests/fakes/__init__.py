"""In-process fakes of the outside systems, for fast tests of the flows' branches.

Each fake keeps its system's state in memory (dicts of the domain models) and behaves as the
system's HTTP stand-in in `simulators/` does at the level of the Protocols in
`integrations/protocols.py`: the same answers, the same refusals raised as the same exceptions.
`tests/integrations/test_fakes_parity.py` runs one scenario per system against these fakes and
against the real clients talking to the stand-ins, and asserts the same domain answers: that test
is what keeps the fakes honest, so a change of a stand-in's behaviour is made here too. mypy checks
each fake against its Protocol (`systems.py`).

The only fault a fake injects is `FakeSystems.unavailable` (a system down past the client's
retries), the one the flows branch on; latency, 429s and the like stay with the HTTP stand-ins.
"""

from tests.fakes.systems import FakeSystems

__all__ = ["FakeSystems"]
