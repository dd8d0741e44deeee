"""Field-level three-way merge of one linked pair, each side against its OWN base.

A field changed on one side only is sent to the other. A field changed on both sides to equal
values needs nothing. A field changed on both sides to different values is a conflict, settled
by the direction (a one-way kind: the source wins) or the policy; under ``manual`` (or
``newest`` without times) the pair is parked and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omisync.sync.links import Projection
from omisync.sync.options import ConflictPolicy, Direction
from omisync.sync.side import Role

__all__ = ["FieldConflict", "Merge", "merge"]


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field changed to different values on both sides, and who won (``None``: parked)."""

    field: str
    omi_value: Any
    peer_value: Any
    winner: Role | None


@dataclass(frozen=True, slots=True)
class Merge:
    """The outcome of merging one pair: the fields to write to each side, and the conflicts.

    ``to_omi`` / ``to_peer`` hold only the fields that change, with their new values. When
    :attr:`parked` is true both are empty: nothing is written until the sides agree.
    """

    to_omi: Projection
    to_peer: Projection
    conflicts: tuple[FieldConflict, ...]

    @property
    def parked(self) -> bool:
        """Whether a conflict could not be settled and the pair waits for the user."""
        return any(conflict.winner is None for conflict in self.conflicts)


def merge(
    omi_now: Projection,
    omi_base: Projection,
    peer_now: Projection,
    peer_base: Projection,
    *,
    direction: Direction,
    policy: ConflictPolicy,
    newest: Role | None = None,
) -> Merge:
    """Merge one pair field by field; pure.

    ``newest`` is the side that changed last (for the ``newest`` policy), or ``None`` when
    unknown. A direction that does not write a side leaves that side's changes unsent (the
    source of a one-way kind always wins its conflicts). A field missing from a projection
    counts as ``None``.
    """
    to_omi: Projection = {}
    to_peer: Projection = {}
    conflicts: list[FieldConflict] = []
    for name in sorted(omi_now.keys() | peer_now.keys()):
        omi_value, peer_value = omi_now.get(name), peer_now.get(name)
        omi_changed = omi_value != omi_base.get(name)
        peer_changed = peer_value != peer_base.get(name)
        if omi_changed and not peer_changed:
            winner: Role | None = Role.OMI
        elif peer_changed and not omi_changed:
            winner = Role.PEER
        elif omi_changed and peer_changed and omi_value != peer_value:
            winner = _settle(direction, policy, newest)
            conflicts.append(FieldConflict(name, omi_value, peer_value, winner))
        else:
            continue
        if winner is Role.OMI and direction.writes_peer:
            to_peer[name] = omi_value
        elif winner is Role.PEER and direction.writes_omi:
            to_omi[name] = peer_value
    if any(conflict.winner is None for conflict in conflicts):
        return Merge({}, {}, tuple(conflicts))
    return Merge(to_omi, to_peer, tuple(conflicts))


def _settle(direction: Direction, policy: ConflictPolicy, newest: Role | None) -> Role | None:
    if direction is Direction.TO_OMI:
        return Role.PEER
    if direction is Direction.FROM_OMI:
        return Role.OMI
    if policy is ConflictPolicy.OMI:
        return Role.OMI
    if policy is ConflictPolicy.PEER:
        return Role.PEER
    if policy is ConflictPolicy.NEWEST:
        return newest
    return None
