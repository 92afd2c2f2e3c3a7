"""The stand-ins' request counts on `GET /_sim/faults`, over real HTTP: by method and route
template, the control routes and unknown paths left out, a request refused by an injected fault
not counted, and setting the faults starts the counts again."""

from __future__ import annotations

from pathlib import Path

import httpx

from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread

OCCASION = "/resultat/aktivitetstillfalle/{uid}"
ROUNDS = "/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{uid}"


def test_requests_are_counted_by_method_and_route_template(tmp_path: Path) -> None:
    with (
        serve_in_thread(ladok_sim.create_app(tmp_path / "ladok.db")) as url,
        httpx.Client(base_url=url) as http,
    ):
        http.get("/resultat/aktivitetstillfalle/occ-1")  # 404s: handled by the app all the same
        http.get("/resultat/aktivitetstillfalle/occ-2")
        http.get("/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/occ-1")
        http.get("/no/such/route")
        http.get("/_sim/occasions")
        assert http.get("/_sim/faults").json()["requests"] == {f"GET {OCCASION}": 2, f"GET {ROUNDS}": 1}

        http.put("/_sim/faults", json={"error_rate": 1}).raise_for_status()
        assert http.get("/resultat/aktivitetstillfalle/occ-1").status_code == 503
        answer = http.get("/_sim/faults").json()
        assert answer["requests"] == {} and answer["injected"] == {"error": 1}
