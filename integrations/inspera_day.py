"""Reading the platform's exam-day answers (incident time, files attached to a submission)
tolerantly, as `inspera_answers` reads the rest: unknown fields ignored, a required field missing
or of the wrong type named with its record (the shapes: tests/contracts/inspera/)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from integrations.inspera_answers import Fields, InsperaContractError, _record
from models.exam_day import PlatformAttachment


def parse_incident(data: Any, test_id: str, external_user_id: str) -> int:
    """The candidate's incident minutes as the platform now holds them."""
    where = f"incident time of candidate {external_user_id} on test {test_id}"
    minutes: int = Fields(data, where).get("incidentTimeMins", "an integer")
    return minutes


def parse_attachments(data: Any, test_id: str) -> list[PlatformAttachment]:
    where = f"attachments of test {test_id}"
    if not isinstance(data, list):
        raise InsperaContractError(where, "expected a list")
    return [_attachment(row, where, n) for n, row in enumerate(data, 1)]


def _attachment(data: Any, context: str, position: int) -> PlatformAttachment:
    row, attachment_id = _record(data, context, "attachment", position, "attachmentId")
    try:
        content = base64.b64decode(row.get("content", "a string"), validate=True)
    except binascii.Error:
        raise InsperaContractError(row.where, "content is not base64") from None
    return PlatformAttachment(
        attachment_id=attachment_id,
        external_user_id=row.get("externalUserId", "a string"),
        name=row.get("fileName", "a string"),
        content=content,
    )
