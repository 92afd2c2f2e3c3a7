"""Notifications to people: a row in the outbox, delivered as a file in the local mail folder.

The row is written in the same transaction as the decision that causes it; delivery happens
after commit and is repeatable (the file name is the row id), so nothing is sent twice or lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import OutboxMessage, Registration, Student


def enqueue(session: Session, *, recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, created_at=datetime.now(UTC))
    session.add(message)
    session.flush()
    return message


def to_student(session: Session, *, registration_id: int, subject: str, body: str) -> OutboxMessage:
    """A message to the student behind a registration, at the address the register gave, or their
    register id where it gave none."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise LookupError(f"no registration {registration_id}")
    student = session.get(Student, registration.student_uid)
    address = student.email if student and student.email else f"student:{registration.student_uid}"
    message = enqueue(session, recipient=address, subject=subject, body=body)
    message.occasion_id = registration.occasion_id  # so retention empties the outbox per exam
    return message


def deliver_pending(session: Session, *, folder: Path) -> int:
    """Writes every undelivered message to `folder` as an .eml file; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    pending = session.scalars(
        select(OutboxMessage).where(OutboxMessage.delivered_path.is_(None)).order_by(OutboxMessage.id)
    ).all()
    for message in pending:
        email = EmailMessage()
        email["To"] = message.recipient
        email["From"] = "examflow@localhost"
        email["Subject"] = message.subject
        email["Date"] = message.created_at.strftime("%a, %d %b %Y %H:%M:%S +0000")
        email.set_content(message.body)
        path = folder / f"{message.id:08d}.eml"
        path.write_bytes(bytes(email))
        message.delivered_path = str(path)
        message.body = (
            f"(delivered to {path.name}; the text, which may hold a one-time code, is kept only there)"
        )
    session.flush()
    return len(pending)
