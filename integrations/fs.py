"""The Norwegian register's client: FS's GraphQL API over one pooled httpx client.

Meets `integrations.protocols.RequestRegister`. Every query carries the API user's Basic
credentials and `Feature-Flags: beta, experimental` (without it FS answers the exam fields
empty, which would read as "no requests"). Connections are followed forward, page by page,
until `hasNextPage` is false. A GraphQL `errors` answer is raised as `ApiError` naming each
error's type, message and path; it is not retried, unlike 429, 5xx and timeouts. A query
travels as a POST, so `ApiClient` adds an `Idempotency-Key`, which FS ignores.

The fields that carry requests are not public FS API (see `simulators/fs.py`): unverified.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import httpx

from integrations import fs_marks
from integrations.http import ApiClient, ApiError, RetryPolicy
from integrations.payload import MissingField, required
from models.domain import RegisterRequest, RequestKind
from models.fs_transfer import FsResult
from models.register_marks import AppealMark, JustificationMark

GRAPHQL = "graphql/"
FEATURE_FLAGS = "beta, experimental"
PAGE_SIZE = 100
SYSTEM = "fs"
# connection field → the kind of request it carries, the node fields to read, a node's name
CONNECTIONS = {
    "begrunnelsesforesporsler": (RequestKind.JUSTIFICATION, "id kandidatnummer mottattDato", "begrunnelse"),
    "klager": (RequestKind.APPEAL, "id kandidatnummer mottattDato begrunnelseForespurt", "klage"),
}
PAGE_QUERY = """
query Foresporsler($id: ID!, $first: Int!, $after: String) {
  vurderingsenhet(id: $id) {
    %s(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { %s }
    }
  }
}
"""

# FS's published schema: `Vurderingsenhet.resultater: [Resultat]`, a `Resultat`'s `kandidatnummer: Int`,
# `gyldig: Boolean!` and `karakter: KarakterResultat { navn: Karakternavn { nob } }`
RESULTS_QUERY = """
query Resultater($id: ID!) {
  node(id: $id) {
    __typename
    ... on Vurderingsenhet { id resultater { id kandidatnummer gyldig karakter { navn { nob } } } }
  }
}
"""


class FsClient(ApiClient):
    system = SYSTEM

    def __init__(
        self,
        base_url: str,
        *,
        user: str,
        password: str,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry)
        self.headers["Feature-Flags"] = FEATURE_FLAGS
        self._authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.page_size = page_size

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization}

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of one GraphQL query; any `errors` in the answer raise ApiError."""
        response = self.request("POST", GRAPHQL, json={"query": query, "variables": variables})
        body = response.json()
        if body.get("errors"):
            raise ApiError(self.system, response.status_code, _describe(body["errors"]))
        return dict(required(self.system, "the answer", body, "data"))

    def requests(self, assessment_unit_id: str) -> list[RegisterRequest]:
        """Every begrunnelse and klage request of the assessment unit, all pages, in FS's order."""
        return [request for field in CONNECTIONS for request in self._follow(assessment_unit_id, field)]

    def results(self, assessment_unit_id: str) -> list[FsResult]:
        node = self.query(RESULTS_QUERY, {"id": assessment_unit_id}).get("node")
        if not isinstance(node, dict) or node.get("__typename") != "Vurderingsenhet":
            raise ApiError(self.system, None, f"UgyldigId: FS knows no vurderingsenhet {assessment_unit_id}")
        record = f"vurderingsenhet {assessment_unit_id}"
        return [fs_result(record, r) for r in required(self.system, record, node, "resultater") or [] if r]

    def _follow(self, unit_id: str, field: str) -> list[RegisterRequest]:
        found: list[RegisterRequest] = []
        after: str | None = None
        while True:
            variables = {"id": unit_id, "first": self.page_size, "after": after}
            data = self.query(PAGE_QUERY % (field, CONNECTIONS[field][1]), variables)
            requests, after = read_page(unit_id, field, data)
            found += requests
            if after is None:
                return found

    def mark_appeal(self, assessment_unit_id: str, candidate: str, received_on: date) -> AppealMark:
        """Registers the candidate's appeal on the unit (FS keeps the one it holds) and marks the
        old result under appeal."""
        item = {
            "vurderingsenhetId": assessment_unit_id,
            "kandidatnummer": candidate,
            "mottattDato": received_on.isoformat(),
        }
        data = self.query(fs_marks.REGISTER_APPEAL, {"input": [item]})
        return fs_marks.read_appeal(data, "registrerKlager")

    def close_appeal(self, appeal_id: str) -> AppealMark:
        """The new grading is registered: the appeal decided, the old result's mark lifted."""
        data = self.query(fs_marks.CLOSE_APPEAL, {"input": [{"id": appeal_id}]})
        return fs_marks.read_appeal(data, "avsluttKlager")

    def register_justification(
        self, assessment_unit_id: str, candidate: str, requested_on: date, given_on: date
    ) -> JustificationMark:
        """Registers the candidate's justification on the unit as given."""
        item = {
            "vurderingsenhetId": assessment_unit_id,
            "kandidatnummer": candidate,
            "mottattDato": requested_on.isoformat(),
            "gittDato": given_on.isoformat(),
        }
        return fs_marks.read_justification(self.query(fs_marks.REGISTER_JUSTIFICATION, {"input": [item]}))

    def raise_for(self, response: httpx.Response) -> None:
        try:
            errors = response.json().get("errors")
        except ValueError:
            errors = None
        message = _describe(errors) if errors else response.text[:500]
        raise ApiError(self.system, response.status_code, message)


def read_page(unit_id: str, field: str, data: Any) -> tuple[list[RegisterRequest], str | None]:
    """One page of a unit's requests from a query's `data`, and the cursor to read on from (None on
    the last page). Unknown fields are ignored; a missing one raises MissingField naming it."""
    unit = required(SYSTEM, f"vurderingsenhet {unit_id}", data, "vurderingsenhet")
    page = required(SYSTEM, f"vurderingsenhet {unit_id}", unit, field)
    info = required(SYSTEM, f"vurderingsenhet {unit_id} {field}", page, "pageInfo")
    nodes = required(SYSTEM, f"vurderingsenhet {unit_id} {field}", page, "nodes")
    kind, _, name = CONNECTIONS[field]
    requests = [
        _request(kind, f"{name} {node.get('id') or f'#{i + 1}'}", node) for i, node in enumerate(nodes)
    ]
    where = f"vurderingsenhet {unit_id} {field} pageInfo"
    if required(SYSTEM, where, info, "hasNextPage") is not True:
        return requests, None
    return requests, str(required(SYSTEM, where, info, "endCursor"))


def _request(kind: RequestKind, record: str, node: Any) -> RegisterRequest:
    received = required(SYSTEM, record, node, "mottattDato")
    try:
        received_on = date.fromisoformat(received)
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, "mottattDato", f"is not a date: {received}") from None
    return RegisterRequest(
        request_id=str(required(SYSTEM, record, node, "id")),
        kind=kind,
        candidate=str(required(SYSTEM, record, node, "kandidatnummer")),
        received_on=received_on,
        justification_asked=node.get("begrunnelseForespurt") is True,
    )


def fs_result(unit: str, node: Any) -> FsResult:
    """One `Resultat`: its candidate number (an Int in FS) as the text examflow keys codes by."""
    record = f"resultat {node.get('id') or '?'} on {unit}"
    karakter = node.get("karakter") or {}
    return FsResult(
        result_id=str(required(SYSTEM, record, node, "id")),
        candidate=str(required(SYSTEM, record, node, "kandidatnummer")),
        grade=(karakter.get("navn") or {}).get("nob"),
        valid=required(SYSTEM, record, node, "gyldig") is True,
    )


def _describe(errors: list[dict[str, Any]]) -> str:
    """`UgyldigId: fant ingen … (at vurderingsenhet)` for each error, joined."""
    parts = []
    for error in errors:
        code = (error.get("extensions") or {}).get("code", "error")
        path = ".".join(str(p) for p in error.get("path") or [])
        parts.append(f"{code}: {error.get('message', '')}" + (f" (at {path})" if path else ""))
    return "; ".join(parts)
