"""FS's answers to the faculty's registrations of an appeal and a justification, read tolerantly.

The mutations and fields are modelled, not public FS API (see `simulators/fs_appeals.py`):
unverified."""

from __future__ import annotations

from datetime import date
from typing import Any

from integrations.payload import MissingField, required
from models.register_marks import AppealMark, AppealStatus, JustificationMark

SYSTEM = "fs"
REGISTER_APPEAL = """
mutation RegistrerKlager($input: [RegistrerKlagerInput!]!) {
  registrerKlager(input: $input) { klager { id kandidatnummer mottattDato status resultatSperret } }
}
"""
CLOSE_APPEAL = """
mutation AvsluttKlager($input: [AvsluttKlagerInput!]!) {
  avsluttKlager(input: $input) { klager { id kandidatnummer mottattDato status resultatSperret } }
}
"""
REGISTER_JUSTIFICATION = """
mutation RegistrerBegrunnelser($input: [RegistrerBegrunnelserInput!]!) {
  registrerBegrunnelser(input: $input) { begrunnelsesforesporsler { id kandidatnummer mottattDato gittDato } }
}
"""


def read_appeal(data: Any, mutation: str) -> AppealMark:
    """The one klage of a `registrerKlager` or `avsluttKlager` answer's `data`."""
    node = _only(data, mutation, "klager")
    record = f"klage {node.get('id') or '#1'}"
    status = required(SYSTEM, record, node, "status")
    if status not in {s.value for s in AppealStatus}:
        raise MissingField(SYSTEM, record, "status", f"is not a klage status: {status}")
    return AppealMark(
        appeal_id=str(required(SYSTEM, record, node, "id")),
        candidate=str(required(SYSTEM, record, node, "kandidatnummer")),
        received_on=_date(record, node, "mottattDato"),
        status=AppealStatus(status),
        result_blocked=required(SYSTEM, record, node, "resultatSperret") is True,
    )


def read_justification(data: Any) -> JustificationMark:
    """The one begrunnelsesforesporsel of a `registrerBegrunnelser` answer's `data`."""
    node = _only(data, "registrerBegrunnelser", "begrunnelsesforesporsler")
    record = f"begrunnelsesforesporsel {node.get('id') or '#1'}"
    return JustificationMark(
        request_id=str(required(SYSTEM, record, node, "id")),
        candidate=str(required(SYSTEM, record, node, "kandidatnummer")),
        requested_on=_date(record, node, "mottattDato"),
        given_on=_date(record, node, "gittDato"),
    )


def _only(data: Any, mutation: str, field: str) -> Any:
    nodes = required(SYSTEM, mutation, required(SYSTEM, "the answer", data, mutation), field)
    if not isinstance(nodes, list) or len(nodes) != 1:
        raise MissingField(
            SYSTEM,
            mutation,
            field,
            f"holds {len(nodes) if isinstance(nodes, list) else 'no list of'} records, not one",
        )
    return nodes[0]


def _date(record: str, node: Any, field: str) -> date:
    text = required(SYSTEM, record, node, field)
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, field, f"is not a date: {text}") from None
