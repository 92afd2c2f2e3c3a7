"""The FS stand-in over real HTTP: Basic auth, the feature flag, Relay paging across pages,
GraphQL errors, and a restart that keeps what was seeded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.fs import create_app
from simulators.server import serve_in_thread

USERS = {"api-user": "s3cret"}
AUTH = ("api-user", "s3cret")
FLAGS = {"Feature-Flags": "beta, experimental"}
UNIT = "occ-fs-1"
KLAGER = """
query($id: ID!, $first: Int, $after: String) {
  vurderingsenhet(id: $id) {
    id
    klager(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id kandidatnummer mottattDato begrunnelseForespurt } }
      nodes { id }
    }
  }
}
"""
EVERYTHING = """
query($id: ID!) {
  vurderingsenhet(id: $id) {
    sensurinformasjon {
      sensurfrist kunngjoringsdato klagesystem { kode } begrunnelsesystem { kode }
      kommisjoner { kommisjonsnummer sensoroppdrag { fagperson { feideBruker } sensorrolle { rollekode } } }
    }
    begrunnelsesforesporsler { totalCount nodes { id kandidatnummer mottattDato } }
    klager { totalCount nodes { id } }
  }
}
"""


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users=USERS)) as base:
        yield base


def seed(url: str, body: dict[str, Any], unit: str = UNIT) -> dict[str, list[str]]:
    response = httpx.post(f"{url}/_sim/vurderingsenheter/{unit}/requests", json=body)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def ask(url: str, query: str, variables: dict[str, Any], headers: dict[str, str] = FLAGS, auth: Any = AUTH):
    return httpx.post(
        f"{url}/graphql/", json={"query": query, "variables": variables}, headers=headers, auth=auth
    )


def klager(n: int) -> list[dict[str, Any]]:
    return [
        {
            "kandidatnummer": f"FS-{i:04d}-ABC",
            "mottattDato": f"2026-03-{i + 1:02d}",
            "begrunnelseForespurt": i % 2 == 0,
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "auth",
    [None, ("api-user", "wrong"), ("someone", "s3cret")],
    ids=["none", "wrong password", "unknown user"],
)
def test_a_query_without_an_api_users_credentials_is_refused_401(url: str, auth: Any) -> None:
    seed(url, {"klager": klager(1)})
    response = ask(url, KLAGER, {"id": UNIT}, auth=auth)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json()["errors"][0]["extensions"]["code"] == "IkkeAutentisert"
    assert "data" not in response.json()
    bearer = httpx.post(
        f"{url}/graphql/",
        json={"query": KLAGER, "variables": {"id": UNIT}},
        headers={"Authorization": "Bearer x"},
    )
    assert bearer.status_code == 401


def test_without_the_feature_flags_the_exam_fields_come_back_empty(url: str) -> None:
    seed(
        url,
        {
            "sensurinformasjon": {
                "sensurfrist": "2026-03-20T23:59:00+01:00",
                "kunngjoringsdato": "2026-03-02T12:00:00+01:00",
                "kommisjoner": [{"kommisjonsnummer": "1", "sensorer": [{"feideBruker": "ab@uit.no"}]}],
            },
            "begrunnelser": [{"kandidatnummer": "FS-0001-ABC", "mottattDato": "2026-03-04"}],
            "klager": klager(2),
        },
    )
    plain = ask(url, EVERYTHING, {"id": UNIT}, headers={"Feature-Flags": "beta"})
    assert plain.status_code == 200 and "errors" not in plain.json()
    assert plain.json()["data"]["vurderingsenhet"] == {
        "sensurinformasjon": None,
        "begrunnelsesforesporsler": {"totalCount": 0, "nodes": []},
        "klager": {"totalCount": 0, "nodes": []},
    }
    flagged = ask(url, EVERYTHING, {"id": UNIT}).json()["data"]["vurderingsenhet"]
    assert flagged["sensurinformasjon"] == {
        "sensurfrist": "2026-03-20T23:59:00+01:00",
        "kunngjoringsdato": "2026-03-02T12:00:00+01:00",
        "klagesystem": {"kode": "FS"},
        "begrunnelsesystem": {"kode": "FS"},
        "kommisjoner": [
            {
                "kommisjonsnummer": "1",
                "sensoroppdrag": [
                    {"fagperson": {"feideBruker": "ab@uit.no"}, "sensorrolle": {"rollekode": "INTERN"}}
                ],
            }
        ],
    }
    assert [n["kandidatnummer"] for n in flagged["begrunnelsesforesporsler"]["nodes"]] == ["FS-0001-ABC"]
    assert flagged["klager"]["totalCount"] == 2


def test_paging_goes_forward_across_several_pages_to_the_end(url: str) -> None:
    ids = seed(url, {"klager": klager(7)})["klager"]
    seen: list[dict[str, Any]] = []
    pages = []
    after = None
    while True:
        body = ask(url, KLAGER, {"id": UNIT, "first": 3, "after": after}).json()
        page = body["data"]["vurderingsenhet"]["klager"]
        pages.append(len(page["edges"]))
        assert page["totalCount"] == 7
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [3, 3, 1]
    assert [n["id"] for n in seen] == ids
    assert seen[0] == {
        "id": ids[0],
        "kandidatnummer": "FS-0000-ABC",
        "mottattDato": "2026-03-01",
        "begrunnelseForespurt": True,
    }
    last = ask(url, KLAGER, {"id": UNIT, "first": 3, "after": after}).json()
    beyond = ask(
        url, KLAGER, {"id": UNIT, "after": last["data"]["vurderingsenhet"]["klager"]["pageInfo"]["endCursor"]}
    )
    assert beyond.json()["data"]["vurderingsenhet"]["klager"]["edges"] == []


def test_errors_come_in_the_graphql_shape_with_fs_error_types(url: str) -> None:
    seed(url, {"klager": klager(1)})
    unknown = ask(url, KLAGER, {"id": "no-such-unit"}).json()
    assert unknown["data"] == {"vurderingsenhet": None}
    assert unknown["errors"][0]["extensions"]["code"] == "UgyldigId"
    assert unknown["errors"][0]["path"] == ["vurderingsenhet"]
    too_many = ask(url, KLAGER, {"id": UNIT, "first": 101}).json()
    assert too_many["errors"][0]["extensions"]["code"] == "UgyldigInput"
    assert "first must be 1 to 100" in too_many["errors"][0]["message"]
    bad_cursor = ask(url, KLAGER, {"id": UNIT, "after": "not-a-cursor"}).json()
    assert "is not one this server gave" in bad_cursor["errors"][0]["message"]
    invalid = ask(url, '{ vurderingsenhet(id: "x") { karakter } }', {})
    assert invalid.status_code == 200
    assert "Cannot query field 'karakter'" in invalid.json()["errors"][0]["message"]
    assert invalid.json()["errors"][0]["locations"]
    not_json = httpx.post(f"{url}/graphql/", content=b"query", auth=AUTH)
    assert (
        not_json.status_code == 400 and not_json.json()["errors"][0]["extensions"]["code"] == "UgyldigInput"
    )


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "fs.db"
    with serve_in_thread(create_app(state, users=USERS)) as url:
        ids = seed(
            url,
            {
                "klager": klager(2),
                "begrunnelser": [{"kandidatnummer": "FS-0009-XYZ", "mottattDato": "2026-03-03"}],
            },
        )
    with serve_in_thread(create_app(state, users=USERS)) as url:
        after = ask(url, EVERYTHING, {"id": UNIT}).json()["data"]["vurderingsenhet"]
        assert [n["id"] for n in after["klager"]["nodes"]] == ids["klager"]
        assert [n["id"] for n in after["begrunnelsesforesporsler"]["nodes"]] == ids["begrunnelser"]
        more = seed(url, {"klager": klager(1)})["klager"]
        assert ask(url, KLAGER, {"id": UNIT}).json()["data"]["vurderingsenhet"]["klager"]["totalCount"] == 3
        assert more[0] not in ids["klager"]


def test_faults_are_injected_on_the_graphql_endpoint(url: str) -> None:
    seed(url, {"klager": klager(1)})
    httpx.put(f"{url}/_sim/faults", json={"throttle_rate": 1, "retry_after_seconds": 2}).raise_for_status()
    throttled = ask(url, KLAGER, {"id": UNIT})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    httpx.put(f"{url}/_sim/faults", json={}).raise_for_status()
    assert ask(url, KLAGER, {"id": UNIT}).status_code == 200
