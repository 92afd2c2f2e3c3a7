"""The exam office's rooms as the seating plan decides with them: each room's building, seats,
seats with a power outlet, whether it is for candidates who write apart, and the loan PCs it
keeps for its building's pool. The rooms file is read by `formats/rooms.py`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Room:
    code: str
    building: str
    seats: int
    power_seats: int
    separate_room: bool = False
    loan_pcs: int = 0


def loan_pc_pools(rooms: list[Room]) -> dict[str, int]:
    """Each building's pool of loan PCs: those its rooms keep, together."""
    pools: dict[str, int] = {}
    for room in rooms:
        pools[room.building] = pools.get(room.building, 0) + room.loan_pcs
    return pools
