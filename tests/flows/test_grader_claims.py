"""grader-claims on the real flow: a Norwegian grader's timesheet confirmed by its grader, approved
by the institute's administrator, written for Paga and marked paid by HR; a Swedish one written for
Primula and returned by HR; one its grader does not confirm and one the administrator rejects; and
claims refused, naming what is wrong, with nothing written. The exams are set up in the store as
grading leaves them (committees, an appeal, justifications, questions)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from deployments.serve import PREFECT_YAML, load_flow
from flows.grader_claims import grader_claims
from models.claims import GraderClaims
from store.db import transaction
from store.schema import AuditEvent, GraderTimesheet
from tasks.grader_claims import ClaimsRefused, submit_claims
from tasks.reports import artifact_key
from tests.flows.conftest import World, approving
from tests.store.test_grader_claims import APPEAL_GRADER, GRADER, OUTSIDER, graded_exam

ADMIN, HR = "staff-admin-1", "staff-hr-1"


@pytest.fixture(scope="module")
def exams(world: World) -> list[str]:
    """A Norwegian and a Swedish exam, each with the same candidates' codes."""
    with transaction() as session:
        codes = graded_exam(session, occasion_id="claims-no", country="NO")
        graded_exam(session, occasion_id="claims-se", country="SE")
    return codes


def claim(occasion: str, grader: str, *lines: tuple[str, str, str]) -> GraderClaims:
    return GraderClaims.model_validate(
        {
            "occasion_uid": occasion,
            "grader_id": grader,
            "lines": [{"kind": kind, "reference": ref, "hours": hours} for kind, ref, hours in lines],
        }
    )


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def sheet(timesheet_id: str) -> GraderTimesheet:
    with transaction() as session:
        return session.get_one(GraderTimesheet, int(timesheet_id))


def written() -> tuple[int, int]:
    """Timesheets held and claim events audited."""
    with transaction() as session:
        sheets = session.scalar(select(func.count()).select_from(GraderTimesheet)) or 0
        events = session.scalar(select(func.count()).where(AuditEvent.action.like("claims.%"))) or 0
    return sheets, events


def run_answered(
    params: GraderClaims,
    world: World,
    admin: dict[str, Any],
    hr: dict[str, Any],
    claimant: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Runs the flow with its grader, the administrator and HR answering their forms."""
    with (
        approving(world.outbox, params.grader_id, extra=claimant or {}) as grader,
        approving(world.outbox, ADMIN, extra=admin) as first,
        approving(world.outbox, HR, extra=hr) as second,
    ):
        result = grader_claims(params)
    assert grader.errors == first.errors == second.errors == []
    return result


def test_the_deployment_serves_this_flow() -> None:
    entries = [
        d
        for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
        if d["entrypoint"].endswith(":grader_claims")
    ]
    assert len(entries) == 1 and load_flow(entries[0]["entrypoint"]) is grader_claims


def test_a_norwegian_timesheet_is_approved_written_for_paga_and_marked_paid(
    world: World, exams: list[str]
) -> None:
    params = claim(
        "claims-no",
        GRADER,
        ("candidate", exams[0], "0.5"),
        ("candidate", exams[1], "0.75"),
        ("question_set", "1-4", "2"),
        ("justification", exams[1], "0.25"),
    )
    result = run_answered(
        params, world, admin={"comment": "matches the committee"}, hr={"comment": "paid 12 Dec"}
    )
    assert result["status"] == "paid"
    stored = sheet(result["timesheet"])
    assert (stored.decided_by, stored.settled_by, stored.hundredths, stored.amount_cents) == (
        ADMIN,
        HR,
        350,
        157500,
    )
    path = Path(result["file"])
    assert path.parent == world.home / "hr" / "paga"
    header, *rows = rows_of(path)
    assert header == ["ansattnr", "navn", "lonnsart", "antall", "sats", "belop", "dato", "tekst"]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        (GRADER, "0,50", "450,00", "225,00"),
        (GRADER, "0,75", "450,00", "337,50"),
        (GRADER, "2,00", "450,00", "900,00"),
        (GRADER, "0,25", "450,00", "112,50"),
    ]
    assert rows[2][7] == "claims-no Linear algebra, written exam: question set 1-4"
    report = Artifact.get(artifact_key("grader-claims", "claims-no"))
    assert report is not None
    assert (
        f"| {GRADER} | Greta Dahl | claims-no Linear algebra, written exam | paid | 1 | 3.50 | 1575.00 NOK |"
        in str(report.data)
    )


def test_a_swedish_timesheet_is_written_for_primula_and_returned_by_hr(
    world: World, exams: list[str]
) -> None:
    params = claim("claims-se", APPEAL_GRADER, ("appeal", exams[0], "2"))
    result = run_answered(params, world, admin={}, hr={"decision": "reject", "comment": "no contract yet"})
    assert result["status"] == "returned"
    path = Path(result["file"])
    assert path.parent == world.home / "hr" / "primula"
    header, row = rows_of(path)
    assert header[:3] == ["anstallningsnr", "namn", "loneart"]
    assert (row[0], row[3], row[4], row[5]) == (APPEAL_GRADER, "2,00", "400,00", "800,00")
    assert sheet(result["timesheet"]).currency == "SEK"


def test_a_timesheet_its_grader_does_not_confirm_is_not_stored(world: World, exams: list[str]) -> None:
    before = written()
    params = claim("claims-no", GRADER, ("candidate", exams[0], "1"))
    result = run_answered(
        params, world, admin={}, hr={}, claimant={"decision": "reject", "comment": "wrong exam"}
    )
    assert result == {"status": "withdrawn"}
    assert written() == before


def test_a_timesheet_the_administrator_rejects_is_written_nowhere(world: World, exams: list[str]) -> None:
    files = set((world.home / "hr").rglob("*.csv"))
    params = claim("claims-no", GRADER, ("candidate", exams[0], "1"))
    result = run_answered(params, world, admin={"decision": "reject", "comment": "already claimed"}, hr={})
    assert result["status"] == "rejected" and sheet(result["timesheet"]).decided_by == ADMIN
    assert set((world.home / "hr").rglob("*.csv")) == files


@pytest.mark.parametrize(
    ("grader", "lines", "reasons"),
    [
        ("staff-nobody-1", [("candidate", "EX-0001-AAA", "1")], ["staff-nobody-1 is not a known grader"]),
        (OUTSIDER, [("candidate", "EX-0001-AAA", "1")], [f"{OUTSIDER} did not grade exam claims-no"]),
        (
            GRADER,
            [
                ("candidate", "EX-0001-AAA", "-1"),
                ("candidate", "EX-0003-CCC", "0.5"),
                ("appeal", "EX-0001-AAA", "2"),
                ("question_set", "3-5", "1"),
                ("candidate", "EX-0001-AAA", "0.125"),
            ],
            [
                "line 1 (candidate EX-0001-AAA): hours -1 is negative",
                f"line 2 (candidate EX-0003-CCC): reference: EX-0003-CCC is not a candidate of {GRADER}'s grading committees",
                f"line 3 (appeal EX-0001-AAA): reference: EX-0001-AAA is no appeal that {GRADER} graded",
                "line 4 (question set 3-5): reference: question 5 is not on the exam",
                "line 5 (candidate EX-0001-AAA): hours 0.125 has more than two decimals",
                "line 5 (candidate EX-0001-AAA): repeats line 1",
            ],
        ),
    ],
)
def test_a_wrong_claim_is_refused_naming_what_is_wrong_and_nothing_is_written(
    world: World, exams: list[str], grader: str, lines: list[tuple[str, str, str]], reasons: list[str]
) -> None:
    before = written()
    with pytest.raises(ClaimsRefused) as refused:
        grader_claims(claim("claims-no", grader, *lines))
    for reason in reasons:
        assert reason in str(refused.value)
    assert written() == before


def test_a_timesheet_no_longer_coming_to_the_total_confirmed_is_refused(
    world: World, exams: list[str]
) -> None:
    before = written()
    params = claim("claims-no", GRADER, ("candidate", exams[0], "1"))
    with pytest.raises(ClaimsRefused, match="they now come to 450.00 NOK, not the 400.00 confirmed"):
        submit_claims.fn(params, confirmed_total=Decimal("400.00"))
    assert written() == before
