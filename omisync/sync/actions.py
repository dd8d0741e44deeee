"""What a :class:`Plan` holds: the writes to make, the links to save, and what was held back.

Every write action knows how to build the link row that records its success
(``link_after``), so the runner never re-derives bases: after a write, the projection the side
returned becomes that side's base, and the other side's current projection becomes its base.

Every action, conflict and refusal carries ``where``: the place a user finds the item (from the
snapshots' :attr:`~omisync.sync.side.Snapshot.where`, e.g. ``Omi/Memories/Tea.md``), or
``None`` when no side said; messages name the item by it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from omisync.sync.describe import describe_plan
from omisync.sync.links import Kind, Link, LinkState, Projection
from omisync.sync.side import DeleteMode, Role, Written

__all__ = ["Conflict", "Create", "Delete", "Keep", "KeepReason", "Plan", "Refusal", "Update"]


@dataclass(frozen=True, slots=True)
class Create:
    """Copy an item to the side that lacks it.

    ``source_id`` is the item's id on the other side and ``fields`` its current projection
    (written to ``target`` and kept as the source's base). ``replaces`` is the link being
    re-pointed when an edit beat a deletion (the item is recreated); ``None`` for a new item.
    ``link_id`` is also the stamp the target may store to find the item after a crash.
    ``where`` is the source item's place.
    """

    link_id: str
    target: Role
    source_id: str
    fields: Projection
    replaces: Link | None = None
    where: str | None = None

    def payload(self) -> dict[str, Any]:
        """Return the JSON-able journal payload this create can be rebuilt from."""
        return {
            "target": self.target.value,
            "source_id": self.source_id,
            "fields": self.fields,
            "replaces": self.replaces.link_id if self.replaces is not None else None,
        }

    @classmethod
    def from_payload(cls, link_id: str, payload: Mapping[str, Any]) -> Create:
        """Rebuild a create from its journal payload (``replaces`` is not restored).

        Raises ``KeyError`` or ``ValueError`` when the payload is not one :meth:`payload` wrote.
        """
        return cls(link_id, Role(payload["target"]), str(payload["source_id"]), payload["fields"])

    def link_after(self, written: Written, *, connector: str, kind: Kind) -> Link:
        """Return the link that records this create once ``target`` answered ``written``."""
        held = written.held if written.held is not None else self.fields
        omi_base, peer_base = (
            (held, self.fields) if self.target is Role.OMI else (self.fields, held)
        )
        omi_id, peer_id = (
            (written.item_id, self.source_id)
            if self.target is Role.OMI
            else (self.source_id, written.item_id)
        )
        return Link.new(
            self.link_id,
            connector,
            kind,
            omi_id=omi_id,
            peer_id=peer_id,
            omi_base=omi_base,
            peer_base=peer_base,
        )


@dataclass(frozen=True, slots=True)
class Update:
    """Write changed fields to one or both items of a link.

    ``to_omi`` / ``to_peer`` hold only the changed fields (empty: that side is not written);
    ``omi_now`` / ``peer_now`` are the current projections, the base of a side not written.
    If any write of the update fails, the link must be left as it was (``link``): the next
    run's merge then sees the same changes again and converges. ``where`` is the pair's place
    (the peer item's, else Omi's).
    """

    link: Link
    to_omi: Projection
    to_peer: Projection
    omi_now: Projection
    peer_now: Projection
    where: str | None = None

    def link_after(self, *, omi_held: Projection | None, peer_held: Projection | None) -> Link:
        """Return the link once every write succeeded; ``*_held`` is what a written side holds."""
        return self.link.rebased(
            omi_base=_after(self.omi_now, self.to_omi, omi_held),
            peer_base=_after(self.peer_now, self.to_peer, peer_held),
        )


def _after(now: Projection, written: Projection, held: Projection | None) -> Projection:
    """The base of one side after an update: what it holds, else what it had plus the write."""
    if not written:
        return now
    return held if held is not None else {**now, **written}


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete (or complete) the surviving item of a link whose other item was deleted.

    ``now`` is the survivor's current projection, ``where`` its place.
    """

    link: Link
    target: Role
    mode: DeleteMode
    now: Projection
    where: str | None = None

    @property
    def item_id(self) -> str:
        """The id of the item to delete, on ``target``."""
        item_id = self.link.omi_id if self.target is Role.OMI else self.link.peer_id
        assert item_id is not None
        return item_id

    def link_after(self, written: Written) -> Link | None:
        """Return the link once done: ``None`` (forget it) after a delete, else a tombstone.

        A completed survivor stays linked with the deleted side's id cleared, so a later edit
        of it recreates the deleted item.
        """
        if self.mode is DeleteMode.DELETE:
            return None
        held = written.held if written.held is not None else self.now
        if self.target is Role.OMI:
            return self.link.relinked(omi_id=self.link.omi_id, peer_id=None).rebased(omi_base=held)
        return self.link.relinked(omi_id=None, peer_id=self.link.peer_id).rebased(peer_base=held)


class KeepReason(StrEnum):
    """Why the survivor of a deletion stays as it is; also its count key in a report
    (``ignored_omi``: kept in Omi under ``on_delete: ignore``)."""

    IGNORED = "ignored"
    """``on_delete: ignore``."""
    KEPT = "kept"
    """``on_delete: complete``, but a note cannot be completed and a done task already is."""
    ONE_WAY = "oneway"
    """The kind syncs one way, and not into the survivor's side."""


@dataclass(frozen=True, slots=True)
class Keep:
    """The survivor of a link whose other item was deleted, kept without a write.

    The link becomes a tombstone (it is among the plan's ``rebases``); this says so to the
    user. ``survivor`` is the side it is on, ``now`` its projection, ``where`` its place.
    """

    link: Link
    survivor: Role
    reason: KeepReason
    now: Projection
    where: str | None = None

    @property
    def key(self) -> str:
        """The count key of this outcome, e.g. ``ignored_omi``."""
        return f"{self.reason}_{self.survivor}"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field changed to different values on both sides of a link.

    ``winner`` is the side whose value was kept (by policy or direction), or ``None`` when the
    pair is parked until the user makes the sides agree. ``label`` is the item's text and
    ``where`` the pair's place (the peer item's, else Omi's).
    """

    link_id: str
    label: str
    field: str
    omi_value: Any
    peer_value: Any
    winner: Role | None
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An item that was not synced, and why in words a user can act on.

    ``side`` holds the item (``item_id``, found at ``where``); ``link_id`` is set when the item
    is linked. ``reason`` says what is wrong and the fix, without the place: a held-back mass
    deletion gives many items one reason.
    """

    side: Role
    item_id: str
    link_id: str | None
    reason: str
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one sync of one kind between Omi and one peer will do, decided up front.

    - ``creates``, ``updates``, ``deletes``: the writes.
    - ``matches``: new links between items that already existed on both sides (saved before
      any write; a matched pair that still needs a write also has an :class:`Update`).
    - ``rebases``: links whose row changes without any write (new bases, a parked conflict,
      a tombstone).
    - ``forgets``: ids of links to drop (both items gone).
    - ``kept``: items whose linked item was deleted and that stay as they are (their links
      are tombstoned among ``rebases``), and why.
    - ``conflicts``, ``refusals``: what the user should know; ``notices``: plan-wide remarks
      (e.g. deletions held back by ``max_delete``, listings that were incomplete).
    """

    kind: Kind
    connector: str
    creates: tuple[Create, ...] = ()
    updates: tuple[Update, ...] = ()
    deletes: tuple[Delete, ...] = ()
    matches: tuple[Link, ...] = ()
    rebases: tuple[Link, ...] = ()
    forgets: tuple[str, ...] = ()
    kept: tuple[Keep, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def write_count(self) -> int:
        """How many item writes the plan makes (an update of both sides counts twice)."""
        updates = sum(bool(u.to_omi) + bool(u.to_peer) for u in self.updates)
        return len(self.creates) + updates + len(self.deletes)

    @property
    def parked(self) -> tuple[Link, ...]:
        """The links left (or newly put) in conflict, waiting for the user."""
        return tuple(
            link for link in (*self.matches, *self.rebases) if link.state is LinkState.CONFLICT
        )

    def counts(self) -> dict[str, int]:
        """Return the numbers of the plan by action and side, e.g. ``{"create_omi": 2, ...}``."""
        tally: Counter[str] = Counter()
        for create in self.creates:
            tally[f"create_{create.target}"] += 1
        for update in self.updates:
            tally["update_omi"] += bool(update.to_omi)
            tally["update_peer"] += bool(update.to_peer)
        for delete in self.deletes:
            tally[f"{delete.mode}_{delete.target}"] += 1
        for keep in self.kept:
            tally[keep.key] += 1
        tally["linked"] += len(self.matches)
        tally["rebased"] += len(self.rebases)
        tally["forgotten"] += len(self.forgets)
        tally["conflicts"] += len(self.conflicts)
        tally["refused"] += len(self.refusals)
        return {key: value for key, value in sorted(tally.items()) if value}

    def describe(self, *, verbose: bool = True) -> str:
        """Return the plan in words, as ``--dry-run`` prints it (one line per item if verbose)."""
        return describe_plan(self, verbose=verbose)
