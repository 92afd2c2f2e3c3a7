"""The platform's results export of an occasion, each line matched to the candidate we hold
registered; a candidate we do not know refuses the whole export, naming them."""

from __future__ import annotations

from integrations.protocols import ExamPlatform
from models.results import CandidateResult, ResultsExport
from rules import reconciliation
from store import occasions, registrations
from store.db import transaction
from tasks.systems import systems


def platform_test_id(occasion_id: str) -> str:
    """The platform test created for the occasion at planning."""
    with transaction() as session:
        test_id = occasions.get(session, occasion_id).platform_test_id
    if test_id is None:
        raise LookupError(f"occasion {occasion_id} has no platform test: run plan-exam first")
    return test_id


def matched_export(client: ExamPlatform, test_id: str) -> ResultsExport:
    """The test's results export, each line given its register id through the test's candidate list."""
    export = client.export_results(test_id)
    return reconciliation.match_candidates(export, client.list_candidates(test_id))


def registered_export(occasion_id: str) -> tuple[ResultsExport, dict[str, int]]:
    """The occasion's export and the registration id of each of its candidates."""
    with systems().platform() as client:
        export = matched_export(client, platform_test_id(occasion_id))
    with transaction() as session:
        held = {r.student_uid: r.id for r in registrations.registered(session, occasion_id=occasion_id)}
    check_registered(occasion_id, list(export.candidates), held)
    return export, held


def registered_results(occasion_id: str) -> tuple[list[CandidateResult], dict[str, int]]:
    """`registered_export`'s candidate lines."""
    export, held = registered_export(occasion_id)
    return list(export.candidates), held


def check_registered(occasion_id: str, results: list[CandidateResult], held: dict[str, int]) -> None:
    """Refuses an export naming every candidate in it we do not hold registered."""
    unknown = sorted(r.external_user_id for r in results if r.external_user_id not in held)
    if unknown:
        raise LookupError(f"the platform has candidates not registered on {occasion_id}: {unknown}")
