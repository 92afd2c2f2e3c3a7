"""Where each register's events were last read up to, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from store import register_cursors
from store.db import transaction


def test_a_cursor_is_kept_per_register_and_replaced_by_the_next(engine: Engine) -> None:
    with transaction(engine) as session:
        assert register_cursors.get(session, register="NO") is None
        register_cursors.put(session, register="NO", cursor="aGVuZGVsc2U6MTI=")
        register_cursors.put(session, register="SE", cursor="other")
    with transaction(engine) as session:
        register_cursors.put(session, register="NO", cursor="aGVuZGVsc2U6MTM=")
    with transaction(engine) as session:
        assert register_cursors.get(session, register="NO") == "aGVuZGVsc2U6MTM="
        assert register_cursors.get(session, register="SE") == "other"
