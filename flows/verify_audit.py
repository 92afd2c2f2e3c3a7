"""verify-audit: nightly, the audit log's hash chain walked from its first event and checked against
the head anchored at the last check; the head anchored again. A broken chain fails the run, named."""

from __future__ import annotations

from prefect import flow, get_run_logger

from tasks.reports import publish_markdown
from tasks.verify_audit import anchor_head, read_anchor, verify_chain


class AuditChainBroken(RuntimeError):
    """The audit log was changed after it was written: the first broken link is named."""


@flow(name="verify-audit")
def verify_audit() -> str:
    anchor = read_anchor()
    verdict = verify_chain(anchor)
    if verdict.broken:
        get_run_logger().error(
            f"The audit log was changed: {verdict.broken}; {verdict.events} events before it are intact"
        )
        publish_markdown(
            "audit-chain-broken",
            f"### The audit log was changed\n\n{verdict.broken}\n\n"
            f"{verdict.events} events before it are intact; the anchor was left as it was.",
            "The audit chain's first broken link",
        )
        raise AuditChainBroken(f"the audit chain is broken: {verdict.broken}")
    anchor_head(verdict)
    head = verdict.head
    get_run_logger().info(f"Audit chain intact: {verdict.events} events; its head, seq {head.seq}, anchored")
    return f"audit chain intact: {verdict.events} events, head seq {head.seq} anchored"
