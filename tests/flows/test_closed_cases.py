"""archive-closed-cases under Prefect, on the HTTP stand-ins: a transferred Norwegian exam waits
while the law's window for appeals is open; the day after it, the sweep marks the platform's test
graded and archives the exam in its one case file, and the next sweep archives nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prefect.artifacts import Artifact

import tasks.case_closing
from flows.closed_cases import archive_closed_cases
from models.params import CloseCases
from store.db import transaction
from store.schema import ArchiveRecord, Occasion
from tasks.case_closing import state_of
from tasks.platform_results import platform_test_id
from tasks.systems import systems
from tests.flows.conftest import World
from tests.flows.exams import Phase, exam_at


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_the_sweep_waits_for_the_window_then_archives_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    sweep = CloseCases(occasion_uids=[occasion])

    assert archive_closed_cases(sweep) == {"looked_at": 1, "archived": 0}
    window = state_of(occasion).window
    assert window is not None
    table = Artifact.get("closed-cases")
    assert table is not None and f"requests may come until {window.due_on}" in str(table.data)

    after = datetime.combine(window.due_on + timedelta(days=1), datetime.min.time(), UTC)
    monkeypatch.setattr(tasks.case_closing, "now", lambda: after)
    assert archive_closed_cases(sweep) == {"looked_at": 1, "archived": 1}
    with systems().platform() as platform:
        assert platform.get_test(platform_test_id(occasion)).status == "GRADED"
    with transaction() as session:
        assert session.get_one(Occasion, occasion).status == "archived"
        cases = {
            r.case_id for r in session.query(ArchiveRecord).filter(ArchiveRecord.occasion_id == occasion)
        }
    assert len(cases) == 1

    assert archive_closed_cases(sweep) == {"looked_at": 1, "archived": 0}
