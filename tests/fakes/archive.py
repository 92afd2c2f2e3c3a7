"""The records archive (Noark 5, ePhorte) in memory, as `simulators/archive.py` behaves at the
Protocol's level: one case file per title in the exam series, each document filed as a new registry
entry whose file the archive checks against the declared size and SHA-256 and never overwrites."""

from __future__ import annotations

import hashlib
import uuid

from integrations.archive import ENTRY_TYPES
from models.domain import ArchivedDocument
from models.systems import ARCHIVE
from tests.fakes.base import FakeConnection, Outages


class FakeNoark(FakeConnection):
    system = ARCHIVE.name

    def __init__(self, outages: Outages) -> None:
        super().__init__(outages)
        self.cases: dict[str, str] = {}  # systemID → title
        self.documents_of: dict[str, list[ArchivedDocument]] = {}  # by case
        self.files: dict[str, bytes] = {}  # by document (dokumentobjekt) id
        self.entry_types: dict[str, str] = {}  # journalposttype by document id

    def case_file(self, *, title: str) -> str:
        self.called()
        found = [case_id for case_id, held in self.cases.items() if held == title]
        if found:
            return found[0]
        case_id = str(uuid.uuid4())
        self.cases[case_id] = title
        self.documents_of[case_id] = []
        return case_id

    def file_document(
        self, *, case_id: str, kind: str, title: str, filename: str, content: bytes, mime_type: str
    ) -> ArchivedDocument:
        self.called()
        if kind not in ENTRY_TYPES:
            raise ValueError(
                f"no registry entry type for documents of kind {kind}: one of {', '.join(ENTRY_TYPES)}"
            )
        self._case(case_id)
        document = ArchivedDocument(
            case_id=case_id,
            document_id=str(uuid.uuid4()),
            title=title,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        self._store(document, content)
        self.entry_types[document.document_id] = ENTRY_TYPES[kind]
        self.documents_of[case_id].append(document)
        return document

    def documents(self, case_id: str) -> list[ArchivedDocument]:
        self.called()
        self._case(case_id)
        return list(self.documents_of[case_id])

    def download(self, document_id: str) -> bytes:
        self.called()
        if document_id not in self.files:
            raise self.refused(404, f"no dokumentobjekt {document_id}")
        return self.files[document_id]

    def _case(self, case_id: str) -> None:
        if case_id not in self.cases:
            raise self.refused(404, f"no saksmappe {case_id}")

    def _store(self, declared: ArchivedDocument, content: bytes) -> None:
        """The archive's own check of an upload against what its object declared."""
        if declared.document_id in self.files:
            raise self.refused(409, f"dokumentobjekt {declared.document_id} holds a file already")
        actual = (len(content), hashlib.sha256(content).hexdigest())
        if actual != (declared.size, declared.sha256):
            raise self.refused(
                400, f"the file is {actual}, the dokumentobjekt declares {declared.size, declared.sha256}"
            )
        self.files[declared.document_id] = content
