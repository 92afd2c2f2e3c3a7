"""An exam's security settings in the store, on SQLite and PostgreSQL: the passwords only as Fernet
tokens, read back under the same key, refused (naming the exam and the field) under another."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from models.security import ExamSecurity
from store import exam_secrets
from store.db import transaction
from store.exam_secrets import SecretsUnreadable
from tests.factories import an_occasion

KEY = b"store-test-secret"
HELD = ExamSecurity.model_validate(
    {"lockdown_browser": True, "start_password": "K7P3X9Q2", "quit_password": "M4R8T2W"}
)


def test_passwords_are_held_encrypted_and_read_back(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(an_occasion("occ-1"))
        session.flush()
        exam_secrets.put(session, occasion_id="occ-1", security=HELD, key=KEY)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM exam_secrets")).mappings().one()
    assert "K7P3X9Q2" not in str(dict(row)) and "M4R8T2W" not in str(dict(row))
    assert row["start_password"].startswith("gAAAA")  # a Fernet token
    with transaction(engine) as session:
        back = exam_secrets.get(session, occasion_id="occ-1", key=KEY)
        assert back is not None and back.differences(HELD) == [] and back.lockdown_browser
        assert exam_secrets.get(session, occasion_id="occ-2", key=KEY) is None
        with pytest.raises(SecretsUnreadable, match="occasion occ-1: start_password does not decrypt"):
            exam_secrets.get(session, occasion_id="occ-1", key=b"another secret")


def test_new_settings_replace_the_held_and_are_not_yet_sent(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(an_occasion("occ-1"))
        session.flush()
        exam_secrets.put(session, occasion_id="occ-1", security=HELD, key=KEY)
        exam_secrets.mark_sent(session, occasion_id="occ-1")
        assert exam_secrets.sent_at(session, occasion_id="occ-1") is not None
        exam_secrets.put(session, occasion_id="occ-1", security=ExamSecurity(lockdown_browser=False), key=KEY)
    with transaction(engine) as session:
        assert exam_secrets.get(session, occasion_id="occ-1", key=KEY) == ExamSecurity(lockdown_browser=False)
        assert exam_secrets.sent_at(session, occasion_id="occ-1") is None
        with pytest.raises(LookupError, match="occasion occ-9"):
            exam_secrets.mark_sent(session, occasion_id="occ-9")
