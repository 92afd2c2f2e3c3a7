"""The similarity service client (Urkund/Ouriginal style): submit a document, poll for its report.

A submission is idempotent twice over: the service keeps one document per reference, and the
`Idempotency-Key` (the reference and the text's hash) makes a retried POST answer the first one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from integrations.http import ApiClient, RetryPolicy
from models.domain import SimilarityReport

DOCUMENTS = "api/v1/documents"


class SimilarityClient(ApiClient):
    """Meets `integrations.protocols.SimilarityService`."""

    system = "similarity"

    def __init__(self, base_url: str, *, timeout: float = 10.0, retry: RetryPolicy | None = None) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry)

    def submit(self, *, reference: str, text: str) -> str:
        """Returns the document id; the same reference returns the same id (another text under it
        is refused: ApiError 409)."""
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        response = self.request(
            "POST",
            DOCUMENTS,
            json={"reference": reference, "text": text},
            idempotency_key=f"document:{reference}:{digest}",
        )
        return str(response.json()["id"])

    def report(self, document_id: str) -> SimilarityReport:
        body: dict[str, Any] = self.request("GET", f"{DOCUMENTS}/{document_id}/report").json()
        return SimilarityReport(document_id=body["id"], status=body["status"], percent=body["similarity"])
