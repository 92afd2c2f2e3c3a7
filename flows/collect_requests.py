"""collect-requests: the requests for justification and the appeals registered in FS (Norway),
each started once as a `justification` or `appeal` run; daily and on demand."""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger

from models.domain import Country
from models.params import CollectRequests
from rules.requests import Outcome
from tasks.reports import artifact_key, publish_markdown, publish_table
from tasks.requests import (
    list_collectable_occasions,
    read_register_requests,
    record_requests,
    report_rows,
    start_request_runs,
)
from tasks.run_logs import counted

NOT_IN_LADOK = (
    "is a Swedish occasion: Ladok carries no requests for justification or appeal, so none were read. "
    "Swedish grades cannot be appealed; a correction (rättelse) or reconsideration (omprövning) is "
    "asked for through the coordinator's `regrade` form."
)


class RegisterUnreadable(RuntimeError):
    """Some occasions could not be read from FS; the others were collected."""

    def __init__(self, reasons: dict[str, str]) -> None:
        listed = "; ".join(f"{occasion}: {why}" for occasion, why in reasons.items())
        super().__init__(f"FS could not be read for {len(reasons)} occasion(s), the rest collected: {listed}")


@flow(name="collect-requests")
def collect_requests(params: CollectRequests) -> dict[str, int]:
    occasion_uids = params.occasion_uids or list_collectable_occasions()
    totals: Counter[str] = Counter(occasions=len(occasion_uids))
    unreadable: dict[str, str] = {}
    for occasion in occasion_uids:
        read = read_register_requests(occasion)
        key = artifact_key("register-requests", occasion)
        if read.country is Country.SE:
            totals["swedish"] += 1
            publish_markdown(key, f"### Requests from the register\n\n{occasion} {NOT_IN_LADOK}", occasion)
            continue
        if read.unreadable:
            unreadable[occasion] = read.unreadable
            publish_markdown(
                key, f"### Requests from the register\n\nFS could not be read: {read.unreadable}", occasion
            )
            continue
        sorted_requests = record_requests(occasion, read.found)
        started = start_request_runs(occasion, sorted_requests)
        counts = Counter(s.outcome for s in sorted_requests)
        totals.update(
            found=len(sorted_requests),
            started=len(started),
            held=counts[Outcome.HELD],
            refused=counts[Outcome.REFUSED],
        )
        rows = report_rows(sorted_requests, started)
        publish_table(
            key,
            rows or [{"request": "none found in FS"}],
            f"Requests in FS for {occasion}: {len(rows)} found, {len(started)} started, "
            f"{counts[Outcome.HELD]} already held, {counts[Outcome.REFUSED]} refused",
        )
    get_run_logger().info(
        f"Requests collected from FS: {counted(totals)}; {len(unreadable)} occasions unreadable"
    )
    if unreadable:
        raise RegisterUnreadable(unreadable)
    return dict(totals)
