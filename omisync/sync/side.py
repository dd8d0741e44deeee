"""The Side protocol: what Omi and every connector answer so the engine can sync them.

A *side* holds items of one or more kinds. The engine never asks a side for more than this:

- :meth:`Side.snapshot` lists what is there now, as canonical projections (see
  :mod:`omisync.sync.records`). A listing that fails RAISES :class:`ListingError`; a side never
  returns an empty snapshot for "could not read". A listing that could not see everything (a
  partial scan) says so with ``complete=False`` and then deletes nothing.
- :meth:`Side.create`, :meth:`Side.update` and :meth:`Side.delete` write in batches (at most
  :meth:`Side.batch_size` items per call) and answer per item, in input order, with
  :class:`Written` (the item's id and the projection the side now holds) or :class:`Failed`.
  They raise a :class:`SideError` only when the whole call failed; the caller must then assume
  any item of the batch may or may not have been written.
- :meth:`Side.verify` settles ids a complete snapshot did not list: gone, locked or present.
- :meth:`Side.find_created` finds items a crashed run may have created, by the stamp the engine
  gave the draft (where the side can store one) or by content.

What a side could not use or do without failing (a file being edited, an unreadable note) it
says in :attr:`Snapshot.problems`, and, for writes, through the optional
:class:`ReportsWriteProblems`; the engine shows both to the user and never acts on them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from omisync.sync.links import Kind, Projection

__all__ = [
    "AccessError",
    "Change",
    "DeleteMode",
    "Draft",
    "Failed",
    "ItemGoneError",
    "ItemLockedError",
    "ItemRejectedError",
    "ListingError",
    "Outcome",
    "Presence",
    "ReportsWriteProblems",
    "Role",
    "Side",
    "SideError",
    "Snapshot",
    "TransientError",
    "Written",
]


class Role(StrEnum):
    """Which of the two sides of a sync an item or a write belongs to."""

    OMI = "omi"
    PEER = "peer"

    @property
    def other(self) -> Role:
        """The opposite side."""
        return Role.PEER if self is Role.OMI else Role.OMI


# --- errors -----------------------------------------------------------------------------------


class SideError(Exception):
    """Base of every error a side raises or reports; ``str()`` is a message for the user.

    ``side`` names the side (``"omi"``, a connector name) when known; it prefixes the message.
    """

    def __init__(self, message: str, *, side: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.side = side

    def __str__(self) -> str:
        return f"{self.side}: {self.message}" if self.side else self.message


class ListingError(SideError):
    """A snapshot could not be taken. Nothing may be concluded from the listing."""


class TransientError(SideError):
    """A call failed for a reason that may pass (network, 5xx, rate limit): try again later.

    ``retry_after`` is the wait in seconds the side asked for, when it said.
    """

    def __init__(
        self, message: str, *, side: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, side=side)
        self.retry_after = retry_after


class AccessError(SideError):
    """The side refused our credentials or scope; the user must fix the configuration."""


class ItemGoneError(SideError):
    """The item no longer exists on the side (e.g. Omi answered 404)."""


class ItemLockedError(SideError):
    """The item exists but cannot be read or written now (e.g. Omi answered 402 locked)."""


class ItemRejectedError(SideError):
    """The side refused the item's content (e.g. validation 422); retrying as-is will not help."""


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one side holds of one kind right now.

    - ``items``: side id → canonical projection of every item listed.
    - ``complete``: the listing saw everything (all pages, the whole vault). An incomplete
      snapshot is used for creates and updates but never for deletions.
    - ``deleted``: ids the side *positively* knows were deleted (Todoist ``is_deleted``, ids
      the runner verified as gone). Missing from ``items`` alone does not mean deleted.
    - ``modified``: side id → when the item last changed, where the side knows (used by the
      ``newest`` conflict policy; an item without a time cannot win on recency).
    - ``max_text_length``: the longest text the side accepts (Omi: 500); longer text is refused,
      never truncated. ``None`` means no limit.
    - ``one_item_per_text``: the side derives an item's identity from its stripped text (Omi
      memories), so creating a second item with a text it already holds would overwrite the
      first; such a create is refused instead.
    - ``where``: side id → where the user finds the item, in their words (a vault-relative
      path such as ``Omi/Memories/Tea.md``, or ``Journal/2026-12-05.md:14`` for a line).
      Optional, for messages only: refusals, conflicts and errors name the item by it. An id
      without an entry is named by its text alone.
    - ``problems``: what the listing could not use, one message each for the user, naming
      the place and what happens next (``Journal/a.md is being edited; read next cycle``).
      Shown, logged and kept in the run record; the engine never acts on them.
    """

    kind: Kind
    items: Mapping[str, Projection]
    complete: bool
    deleted: frozenset[str] = frozenset()
    modified: Mapping[str, datetime] = field(default_factory=dict)
    max_text_length: int | None = None
    one_item_per_text: bool = False
    where: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


class Presence(StrEnum):
    """What :meth:`Side.verify` found for an id missing from a listing."""

    GONE = "gone"
    """Deleted: the side positively says it no longer exists (e.g. 404)."""
    LOCKED = "locked"
    """Exists but hidden from listings (e.g. an Omi item behind a paywall: 402)."""
    PRESENT = "present"
    """Exists (e.g. a completed Todoist task, absent from active listings)."""


class DeleteMode(StrEnum):
    """How :meth:`Side.delete` removes an item."""

    DELETE = "delete"
    """Delete the item."""
    COMPLETE = "complete"
    """Mark the task done instead (tasks only)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """An item to create: its canonical fields, and a stamp to find it again after a crash.

    A side that can store the stamp (a Markdown block id, a Todoist description footer) should,
    so :meth:`Side.find_created` can look it up; others find the item by content.
    """

    stamp: str
    fields: Projection


@dataclass(frozen=True, slots=True)
class Change:
    """An update: the side id and only the fields that change, with their new values."""

    item_id: str
    fields: Projection


@dataclass(frozen=True, slots=True)
class Written:
    """One item written: its side id and the projection the side now holds.

    ``held`` is what the side stores after the write (it may differ from what was sent: a
    lossy conversion, a server-side default); it becomes the side's new base. It is ``None``
    only for an item deleted outright.
    """

    item_id: str
    held: Projection | None


@dataclass(frozen=True, slots=True)
class Failed:
    """One item not written, and why. ``item_id`` is ``None`` for a create."""

    item_id: str | None
    error: SideError


#: The answer for one item of a batch write.
Outcome = Written | Failed


@runtime_checkable
class Side(Protocol):
    """A place items live in: Omi, or a connector (Todoist, Notion, a Markdown vault, ...)."""

    @property
    def name(self) -> str:
        """A short name for messages and link rows: ``"omi"`` or the connector's name."""
        ...

    def batch_size(self, kind: Kind) -> int:
        """Return the most items one create/update/delete call takes for ``kind`` (>= 1)."""
        ...

    def snapshot(self, kind: Kind) -> Snapshot:
        """Return everything the side holds of ``kind``.

        Raises :class:`ListingError` (or :class:`TransientError`, :class:`AccessError`) when the
        listing fails; never returns an empty or partial snapshot claiming to be complete.
        """
        ...

    def create(self, kind: Kind, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create each draft; return one :class:`Written` or :class:`Failed` per draft, in order.

        Raises :class:`SideError` only when the whole call failed.
        """
        ...

    def update(self, kind: Kind, changes: Sequence[Change]) -> list[Outcome]:
        """Apply each change; return one outcome per change, in order.

        A missing item is reported as :class:`Failed` with :class:`ItemGoneError`, a locked one
        with :class:`ItemLockedError`. Raises :class:`SideError` only when the whole call failed.
        """
        ...

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Delete (or, with ``DeleteMode.COMPLETE``, complete) each item; one outcome per id.

        An item already gone counts as deleted (``Written`` with ``held=None``). Raises
        :class:`SideError` only when the whole call failed.
        """
        ...

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> Mapping[str, Presence]:
        """Say, for each id a complete snapshot did not list, whether it is gone, locked or present.

        Raises :class:`SideError` when the side cannot tell; the caller then deletes nothing.
        """
        ...

    def find_created(
        self, kind: Kind, drafts: Sequence[Draft], *, exclude: Collection[str] = frozenset()
    ) -> Mapping[str, Written]:
        """Find items an interrupted run may have created from ``drafts``.

        Returns ``{draft.stamp: Written}`` for each draft found (by stamp, else by content);
        drafts not found are left out. An id in ``exclude`` (the caller passes the ids already
        linked) is never returned: a side that matches by content looks further instead.
        Raises :class:`SideError` when the lookup fails.
        """
        ...


@runtime_checkable
class ReportsWriteProblems(Protocol):
    """Optional for a side: it says what its writes could not do although they succeeded
    (e.g. a recurring task ticked without its next instance)."""

    def write_problems(self, kind: Kind) -> Sequence[str]:
        """Return the problems writes of ``kind`` met since the last snapshot of ``kind`` or
        the last call, each once, as messages for the user (like
        :attr:`Snapshot.problems`)."""
        ...
