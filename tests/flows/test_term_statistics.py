"""term-statistics under Prefect: the term's figures read back from its markdown artifact (tables,
the late result named, charts inline as SVG) and from the CSV and SVG files written for a report."""

from __future__ import annotations

import base64
import csv
import re
from datetime import UTC, datetime, timedelta

import pytest
from prefect.artifacts import Artifact

import flows.term_statistics
from flows.term_statistics import term_statistics
from store.db import default_engine, transaction
from tests.factories import a_registration, a_student, an_occasion
from tests.flows.conftest import World
from tests.store.test_term_statistics import a_term

LATE_EXAM = datetime(2026, 5, 4, 7, tzinfo=UTC)  # results due 26 May (Ascension Day not counted)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_the_term_in_numbers_is_published_with_its_charts_and_files(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(default_engine()) as session:
        a_term(session)
        session.add(
            an_occasion(
                "geo-26",
                name="Geometry, written exam",
                exam_type="paper",
                starts_at=LATE_EXAM,
                ends_at=LATE_EXAM + timedelta(hours=4),
            )
        )
        session.add(a_student("geo-s1"))
        session.flush()
        session.add(a_registration("geo-s1", "GEO-001", "geo-26"))
    monkeypatch.setattr(flows.term_statistics, "now", lambda: datetime(2026, 6, 1, 10, tzinfo=UTC))

    headline = term_statistics(term="VT2026")

    assert headline == (
        "VT2026: 3 sittings, 6 registrations, 33.3 % of sittings on the platform; "
        "results on time for 2 of 3 sittings held, late for 1"
    )
    artifact = Artifact.get("term-statistics-vt2026")
    assert artifact is not None and isinstance(artifact.data, str)
    report = artifact.data
    assert "| Geometry, written exam | Geometry, written exam (geo-26) | 2026-05-26 | not yet | 6 |" in report
    assert "| VT2026 | 3 | 1 | 33.3 | 6 | 3 | 50.0 |" in report  # the digital share
    assert "| VT2026 | 5 | 1 | 20.0 | 1 | 0 | 0 | 0 |" in report  # one appeal of five grades, raised
    images = re.findall(r"!\[([^\]]*)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", report)
    assert [title for title, _ in images] == [
        "Digital share by term",
        "Databases, digital exam: grades by term",
        "MA101 Algebra: grades by term",
    ]
    words = re.sub(r"\(data:image[^)]*\)", "", report)
    assert "None" not in words and "nan" not in words.lower()

    folder = world.home / "statistics" / "VT2026"
    names = {p.name for p in folder.iterdir()}
    assert {"overview.csv", "digital-share.csv", "grade-distributions.csv", "late-results.csv"} <= names
    assert {"digital-share.svg", "grades-ma101-algebra.svg", "grades-databases-digital-exam.svg"} <= names
    with (folder / "grade-distributions.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    algebra_a = [r for r in rows if r["Course"] == "MA101 Algebra" and r["Grade"] == "A"]
    assert [(r["Term"], r["Candidates"]) for r in algebra_a] == [("VT2025", "1"), ("VT2026", "0")]
    assert (folder / "digital-share.svg").read_text() == base64.b64decode(images[0][1]).decode("utf-8")
