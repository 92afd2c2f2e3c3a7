"""A Ladok stand-in state file from when occasions held clock times opens with their dates."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from simulators.ladok import create_app
from simulators.server import serve_in_thread


def test_an_old_state_files_occasion_times_become_its_stockholm_dates(tmp_path: Path) -> None:
    path = tmp_path / "ladok.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE occasion (uid TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " starts_at TEXT NOT NULL, ends_at TEXT NOT NULL)"
        )
        # 23:30 UTC on the 19th is 01:30 on the 20th in Stockholm
        conn.execute(
            "INSERT INTO occasion VALUES ('occ-1', 'old', '2026-10-19T23:30:00+00:00', '2026-10-20T03:30:00+00:00')"
        )
    with serve_in_thread(create_app(path)) as url:
        answer = httpx.get(f"{url}/resultat/aktivitetstillfalle/occ-1")
    assert answer.status_code == 200
    assert answer.json()["Datumperiod"] == {"Startdatum": "2026-10-20", "Slutdatum": "2026-10-20"}
