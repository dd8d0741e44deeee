"""The link between an Omi item and a peer item: the state the three-way merge compares against."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

#: A JSON-able canonical projection of one side's item: only the synced fields, normalised.
Projection = dict[str, Any]


def projection_hash(projection: Projection) -> str:
    """Return the stable SHA-256 hex digest of a projection.

    The digest is taken over canonical JSON (sorted keys, no whitespace, UTF-8), so two equal
    projections always hash alike, whatever their key order. Raises ``TypeError`` when the
    projection holds a value JSON cannot carry.
    """
    text = json.dumps(projection, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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

    An id of ``None`` marks a *tombstone*: that side's item was deleted and the deletion has
    been dealt with (the other item was completed, or kept under the ``ignore`` policy). The
    surviving item stays linked so an edit to it can recreate the deleted one.
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

    @classmethod
    def new(
        cls,
        link_id: str,
        connector: str,
        kind: Kind,
        *,
        omi_id: str | None,
        peer_id: str | None,
        omi_base: Projection,
        peer_base: Projection,
    ) -> Link:
        """Return a fresh, agreed link whose hashes are computed from the given bases."""
        return cls(
            link_id=link_id,
            connector=connector,
            kind=kind,
            omi_id=omi_id,
            peer_id=peer_id,
            omi_base=omi_base,
            omi_hash=projection_hash(omi_base),
            peer_base=peer_base,
            peer_hash=projection_hash(peer_base),
        )

    def rebased(
        self,
        *,
        omi_base: Projection | None = None,
        peer_base: Projection | None = None,
        state: LinkState = LinkState.LINKED,
        conflict: dict[str, Any] | None = None,
    ) -> Link:
        """Return this link with new bases (``None`` keeps a side's base), state and conflict.

        Hashes are recomputed for every base that is replaced.
        """
        changes: dict[str, Any] = {"state": state, "conflict": conflict}
        if omi_base is not None:
            changes.update(omi_base=omi_base, omi_hash=projection_hash(omi_base))
        if peer_base is not None:
            changes.update(peer_base=peer_base, peer_hash=projection_hash(peer_base))
        return replace(self, **changes)

    def relinked(self, *, omi_id: str | None, peer_id: str | None) -> Link:
        """Return this link pointing at other item ids (``None`` makes that side a tombstone)."""
        return replace(self, omi_id=omi_id, peer_id=peer_id)
