"""The similarity service (Urkund/Ouriginal) in memory, as `simulators/similarity.py` behaves: one
document per reference (another text under it refused), its report pending until the document is
`check_seconds` old, then the share of its word 5-grams (`simulators.similarity.shingles`) found in
documents submitted by then, kept from then on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from models.domain import SimilarityReport
from models.systems import SIMILARITY
from simulators.similarity import CHECK_MS, shingles
from tests.fakes.base import FakeConnection, Outages


@dataclass
class Document:
    document_id: str
    text: str
    submitted_at: float
    percent: float | None = None


class FakeUrkund(FakeConnection):
    system = SIMILARITY.name

    def __init__(
        self,
        outages: Outages,
        *,
        check_seconds: float = CHECK_MS / 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(outages)
        self.check_seconds = check_seconds
        self.clock = clock
        self.documents: dict[str, Document] = {}  # by reference

    def submit(self, *, reference: str, text: str) -> str:
        self.called()
        if not text.strip() or not 1 <= len(reference) <= 200:
            raise self.refused(422, "reference must hold 1 to 200 characters and text some words")
        held = self.documents.get(reference)
        if held is None:
            held = self.documents[reference] = Document(str(uuid.uuid4()), text, self.clock())
        elif held.text != text:
            raise self.refused(
                409, f"reference {reference!r} already holds another text (document {held.document_id})"
            )
        return held.document_id

    def report(self, document_id: str) -> SimilarityReport:
        self.called()
        document = next((d for d in self.documents.values() if d.document_id == document_id), None)
        if document is None:
            raise self.refused(404, f"document {document_id} not found")
        checked_at = document.submitted_at + self.check_seconds
        if document.percent is None and self.clock() >= checked_at:
            document.percent = self._check(document, checked_at)
        status = "pending" if document.percent is None else "done"
        return SimilarityReport(document_id=document_id, status=status, percent=document.percent)

    def _check(self, document: Document, checked_at: float) -> float:
        own = shingles(document.text)
        others = set().union(
            *(
                shingles(d.text)
                for d in self.documents.values()
                if d is not document and d.submitted_at <= checked_at
            )
        )
        return round(100 * len(own & others) / len(own), 1) if own else 0.0
