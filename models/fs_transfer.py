"""Norway's results into FS: what FS holds, what the platform's transfer answered, and what the
read-back found, by candidate number."""

from __future__ import annotations

from enum import StrEnum

from models.domain import Frozen


class FsResult(Frozen):
    """One of FS's recorded results (`Resultat`) on an assessment unit, by candidate number."""

    result_id: str
    candidate: str  # `kandidatnummer`
    grade: str | None  # `karakter.navn.nob`
    valid: bool = True  # `gyldig`


class PlatformTransfer(Frozen):
    """The platform's answer to its transfer to FS: how many it sent, and the candidates it
    reported as failed (it names them without saying why)."""

    transferred: int
    failed: tuple[str, ...] = ()


class FsAction(StrEnum):
    NEW = "new"  # FS holds no result: the platform's transfer brings it
    HELD = "held"  # FS already holds this grade
    OTHER = "other"  # FS holds another grade: the once-only transfer will not change it


class FsPreviewItem(Frozen):
    registration_id: int
    candidate: str
    grade: str  # as FS names it
    held: str | None  # what FS holds now
    action: FsAction


class Discrepancy(StrEnum):
    DROPPED = "dropped"  # FS holds no result after the transfer
    CHANGED = "changed"  # FS holds another grade than the one sent


class FsCheck(Frozen):
    """One candidate's grade as read back from FS."""

    registration_id: int
    candidate: str
    sent: str
    found: str | None
    discrepancy: Discrepancy | None = None
    result_id: str | None = None
