"""The link between an Omi item and a peer item: the state the three-way merge compares against."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: A JSON-able canonical projection of one side's item: only the synced fields, normalised.
Projection = dict[str, Any]


class Kind(StrEnum):
    """What sort of record a link joins."""

    TASK = "task"
    """An Omi action item ⇄ a peer task."""
    NOTE = "note"
    """An Omi memory ⇄ a peer note."""


class LinkState(StrEnum):
    """Where a link stands."""

    LINKED = "linked"
    """Both sides agreed on their bases at the last sync."""
    CONFLICT = "conflict"
    """Parked: the same field changed differently on both sides under the ``manual`` policy."""


@dataclass(frozen=True, slots=True)
class Link:
    """One linked pair of items, with each side's base (the projection both last agreed on).

    Change detection compares a side's current projection with *its own* base (``omi_base`` for
    Omi, ``peer_base`` for the peer), never one side's projection with the other's, so lossy
    conversions cannot cause ping-pong. The hashes are of the bases, so an unchanged item is
    recognised without decoding the base.
    """

    link_id: str
    connector: str
    kind: Kind
    omi_id: str | None
    peer_id: str | None
    omi_base: Projection
    omi_hash: str
    peer_base: Projection
    peer_hash: str
    state: LinkState = LinkState.LINKED
    conflict: dict[str, Any] | None = field(default=None)
