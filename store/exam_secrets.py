"""Each exam's security settings, its passwords encrypted at rest.

The key is derived (HKDF-SHA256) from examflow's secret, so a copy of the database alone does not
give the passwords away; a changed secret makes the held ones unreadable, and reading one then says
so instead of returning garbage.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr
from sqlalchemy.orm import Session

from models.security import ExamSecurity
from store.schema import ExamSecret

INFO = b"examflow exam secrets v1"


class SecretsUnreadable(Exception):
    """A held password does not decrypt under the current key."""


def fernet(key: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def _seal(box: Fernet, value: SecretStr | None) -> str | None:
    return None if value is None else box.encrypt(value.get_secret_value().encode()).decode()


def _open(box: Fernet, token: str | None, *, occasion_id: str, field: str) -> SecretStr | None:
    if token is None:
        return None
    try:
        return SecretStr(box.decrypt(token.encode()).decode())
    except InvalidToken as exc:
        raise SecretsUnreadable(
            f"exam_secrets of occasion {occasion_id}: {field} does not decrypt under examflow's "
            "current secret (was EXAMFLOW_SECRET changed?)"
        ) from exc


def put(session: Session, *, occasion_id: str, security: ExamSecurity, key: bytes) -> None:
    """Holds these settings for the exam (replacing any held), not yet sent to anyone."""
    box = fernet(key)
    row = session.get(ExamSecret, occasion_id) or ExamSecret(occasion_id=occasion_id)
    row.lockdown_browser = security.lockdown_browser
    row.start_password = _seal(box, security.start_password)
    row.quit_password = _seal(box, security.quit_password)
    row.sent_at = None
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()


def get(session: Session, *, occasion_id: str, key: bytes) -> ExamSecurity | None:
    row = session.get(ExamSecret, occasion_id)
    if row is None:
        return None
    box = fernet(key)
    return ExamSecurity(
        lockdown_browser=row.lockdown_browser,
        start_password=_open(box, row.start_password, occasion_id=occasion_id, field="start_password"),
        quit_password=_open(box, row.quit_password, occasion_id=occasion_id, field="quit_password"),
    )


def sent_at(session: Session, *, occasion_id: str) -> datetime | None:
    row = session.get(ExamSecret, occasion_id)
    return None if row is None else row.sent_at


def mark_sent(session: Session, *, occasion_id: str) -> None:
    row = session.get(ExamSecret, occasion_id)
    if row is None:
        raise LookupError(f"no security settings held for occasion {occasion_id}")
    row.sent_at = datetime.now(UTC)
    session.flush()
