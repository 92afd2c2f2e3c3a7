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

from integrations.http import ApiClient, ApiError, RetryPolicy
from models.domain import RegisterRequest, RequestKind

GRAPHQL = "graphql/"
FEATURE_FLAGS = "beta, experimental"
PAGE_SIZE = 100
# connection field → the kind of request it carries and the node fields to read
CONNECTIONS = {
    "begrunnelsesforesporsler": (RequestKind.JUSTIFICATION, "id kandidatnummer mottattDato"),
    "klager": (RequestKind.APPEAL, "id kandidatnummer mottattDato begrunnelseForespurt"),
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


class FsClient(ApiClient):
    system = "fs"

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
        return dict(body["data"])

    def requests(self, assessment_unit_id: str) -> list[RegisterRequest]:
        """Every begrunnelse and klage request of the assessment unit, all pages, in FS's order."""
        return [
            request
            for field, (kind, fields) in CONNECTIONS.items()
            for request in self._follow(assessment_unit_id, field, kind, fields)
        ]

    def _follow(self, unit_id: str, field: str, kind: RequestKind, fields: str) -> list[RegisterRequest]:
        found: list[RegisterRequest] = []
        after: str | None = None
        while True:
            variables = {"id": unit_id, "first": self.page_size, "after": after}
            page = self.query(PAGE_QUERY % (field, fields), variables)["vurderingsenhet"][field]
            found += [_request(kind, node) for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def raise_for(self, response: httpx.Response) -> None:
        try:
            errors = response.json().get("errors")
        except ValueError:
            errors = None
        message = _describe(errors) if errors else response.text[:500]
        raise ApiError(self.system, response.status_code, message)


def _request(kind: RequestKind, node: dict[str, Any]) -> RegisterRequest:
    return RegisterRequest(
        request_id=node["id"],
        kind=kind,
        candidate=node["kandidatnummer"],
        received_on=date.fromisoformat(node["mottattDato"]),
        justification_asked=bool(node.get("begrunnelseForespurt", False)),
    )


def _describe(errors: list[dict[str, Any]]) -> str:
    """`UgyldigId: fant ingen … (at vurderingsenhet)` for each error, joined."""
    parts = []
    for error in errors:
        code = (error.get("extensions") or {}).get("code", "error")
        path = ".".join(str(p) for p in error.get("path") or [])
        parts.append(f"{code}: {error.get('message', '')}" + (f" (at {path})" if path else ""))
    return "; ".join(parts)
