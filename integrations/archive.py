"""The records archive client (Noark 5 style): case files and checksummed documents.

Each write is naturally idempotent on the archive's side (a case by its reference, a document by
its filename and bytes), so a retried write after a lost answer lands once.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from integrations.http import ApiClient, RetryPolicy
from models.domain import ArchivedDocument

MEDIA_TYPE = "application/vnd.noark5+json"
CASES = "api/arkivstruktur/saksmappe"


def _document(case_id: str, item: dict[str, Any]) -> ArchivedDocument:
    return ArchivedDocument(
        case_id=case_id,
        document_id=item["systemID"],
        title=item["tittel"],
        size=item["filstoerrelse"],
        sha256=item["sjekksum"],
    )


class ArchiveClient(ApiClient):
    """Meets `integrations.protocols.RecordsArchive`."""

    system = "archive"

    def __init__(self, base_url: str, *, timeout: float = 10.0, retry: RetryPolicy | None = None) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry)

    def create_case(self, *, title: str, reference: str) -> str:
        response = self.request(
            "POST",
            CASES,
            json={"tittel": title, "referanse": reference},
            headers={"Accept": MEDIA_TYPE},
            idempotency_key=f"saksmappe:{reference}",
        )
        return str(response.json()["systemID"])

    def upload_document(
        self, *, case_id: str, title: str, filename: str, content: bytes, mime_type: str
    ) -> ArchivedDocument:
        """Uploads the bytes with their SHA-256; the archive refuses a mismatch (ApiError 400) and
        other bytes under an existing filename (ApiError 409), and answers an identical re-upload
        with the document already there."""
        response = self.request(
            "POST",
            f"{CASES}/{case_id}/dokument",
            content=content,
            headers={
                "Accept": MEDIA_TYPE,
                "Content-Type": mime_type,
                "X-Tittel": quote(title),
                "X-Filnavn": quote(filename),
                "X-Sjekksum": hashlib.sha256(content).hexdigest(),
            },
        )
        return _document(case_id, response.json())

    def list_documents(self, case_id: str) -> list[ArchivedDocument]:
        response = self.request("GET", f"{CASES}/{case_id}/dokument", headers={"Accept": MEDIA_TYPE})
        return [_document(case_id, item) for item in response.json()["results"]]

    def download(self, case_id: str, document_id: str) -> bytes:
        """The stored bytes of one document (for the appeal committee or a checksum audit)."""
        return self.request("GET", f"{CASES}/{case_id}/dokument/{document_id}/fil").content
