"""archive under Prefect: papers, protocol and appeal decisions filed with checksums, each as the
registry entry type it is; a rerun files what was given since, and one document files once."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
from sqlalchemy import func, select

from flows.archive import archive
from models.params import OccasionStep
from store import justifications, registrations
from store.db import transaction
from store.schema import Appeal, ArchiveRecord, Attendance, Grade, JustificationRecord, Occasion, Registration
from tasks.archive import archive_document
from tasks.systems import systems
from tests.flows.conftest import World
from tests.flows.exams import Phase, count, exam_at


def _archived_anchor(occasion: str) -> dict[str, Any]:
    """The newest audit-chain head filed in the exam's case, as the archive holds it."""
    with transaction() as session:
        record = session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.occasion_id == occasion, ArchiveRecord.kind == "record")
            .order_by(ArchiveRecord.id.desc())
        ).first()
    assert record is not None
    with systems().archive() as store:
        return dict(json.loads(store.download(record.document_id)))


def _archived_entry_types(world: World, occasion: str) -> dict[str, set[str]]:
    """The registry entry types (journalposttype) of the exam's one case file, by document kind,
    read from the archive stand-in; every entry archived (journalstatus A)."""
    rel = "https://rel.arkivverket.no/noark5/v5/api/"
    cases = httpx.get(f"{world.archive_url}/api/sakarkiv/saksmappe/").json()["results"]
    [case] = [c for c in cases if c["tittel"].endswith(f"({occasion})")]
    found: dict[str, set[str]] = {}
    page: dict[str, Any] = {"_links": {"next": case["_links"][rel + "sakarkiv/journalpost/"]}}
    while "next" in page["_links"]:
        page = httpx.get(page["_links"]["next"]["href"]).json()
        for entry in page["results"]:
            assert entry["journalstatus"]["kode"] == "A"
            found.setdefault(entry["tittel"].split("-")[0], set()).add(entry["journalposttype"]["kode"])
    return found


def test_archive_files_papers_protocol_and_appeal_with_checksums(world: World):
    occasion = exam_at(world, Phase.APPEALED).occasion
    result = archive(OccasionStep(occasion_uid=occasion))
    submitted = count(Attendance, occasion, Attendance.status == "submitted")
    with transaction() as session:
        kinds = dict(
            session.execute(
                select(ArchiveRecord.kind, func.count())
                .where(ArchiveRecord.occasion_id == occasion)
                .group_by(ArchiveRecord.kind)
            ).all()
        )
        assert session.get(Occasion, occasion).status == "archived"
    assert kinds == {"paper": submitted, "protocol": 1, "appeal": 1, "record": 1}
    assert f"archived {submitted + 3} documents" in result
    anchor = _archived_anchor(occasion)
    assert f"--anchor-seq {anchor['seq']} --anchor-hash {anchor['hash']}" in anchor["check"]
    again = archive(OccasionStep(occasion_uid=occasion))
    assert again == result  # the same bytes again, no conflict; only the audit's newer head is filed
    assert _archived_anchor(occasion)["seq"] > anchor["seq"]
    assert _archived_entry_types(world, occasion) == {
        "paper": {"I"},
        "protocol": {"X"},
        "appeal": {"U"},
        "audit": {"X"},
    }


def _without_appeal_or_justification(occasion: str) -> str:
    """The first candidate by code with a grade, no appeal and no justification."""
    with transaction() as session:
        code = session.scalars(
            select(Registration.anonymisation_code)
            .join(Grade, Grade.registration_id == Registration.id)
            .outerjoin(Appeal, Appeal.registration_id == Registration.id)
            .outerjoin(JustificationRecord, JustificationRecord.registration_id == Registration.id)
            .where(
                Registration.occasion_id == occasion, Appeal.id.is_(None), JustificationRecord.id.is_(None)
            )
            .order_by(Registration.anonymisation_code)
        ).first()
    assert code is not None
    return code


def test_a_rerun_files_justifications_given_since_and_one_more_document_files_once(world: World):
    occasion = exam_at(world, Phase.ARCHIVED).occasion
    code = _without_appeal_or_justification(occasion)
    with transaction() as session:
        registration_id = registrations.by_code(session, occasion_id=occasion, code=code).id
        asked = justifications.request(
            session,
            occasion_id=occasion,
            registration_id=registration_id,
            requested_on=date.today(),
            due_on=date.today(),
        )
        justifications.give(
            session,
            justification_id=asked.id,
            text="Grounds.",
            given_by="staff-examiner-1",
            given_on=date.today(),
        )
        given = len(justifications.given(session, occasion_id=occasion))
    archive(OccasionStep(occasion_uid=occasion))
    assert count(ArchiveRecord, occasion, ArchiveRecord.kind == "justification") == given
    anchor = archive_document.fn(
        occasion, "record", "audit-head.txt", b"sha256 of the chain's head", "text/plain"
    )
    assert (
        archive_document.fn(occasion, "record", "audit-head.txt", b"sha256 of the chain's head", "text/plain")
        == anchor
    )
    types = _archived_entry_types(world, occasion)
    assert (types["justification"], types["audit"], types["paper"]) == ({"U"}, {"X"}, {"I"})
