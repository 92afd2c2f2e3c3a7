"""Brings a database to the newest schema through the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from store.schema import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Runs every pending migration inside one transaction on `engine`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def empty_all_tables(engine: Engine) -> None:
    """Deletes every row, children before parents; the schema and alembic_version stay.
    For tests and benchmarks on a throwaway database, never on a production path: on PostgreSQL it
    lifts the audit log's refusal of TRUNCATE (migration 0010) for its own transaction, which only
    the table's owner may."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(engine.dialect.identifier_preparer.format_table(t) for t in tables)
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_truncate"))
        else:
            for table in tables:
                connection.execute(table.delete())
