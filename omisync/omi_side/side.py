"""The :class:`OmiSide`: Omi as one side of a sync (tasks = action items, notes = memories)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omisync.omi import ACTION_ITEM_BATCH_MAX, MEMORY_BATCH_MAX, OmiClient
from omisync.omi_side.errors import SIDE_NAME
from omisync.omi_side.notes import NoteStore
from omisync.omi_side.tasks import TaskStore
from omisync.sync.links import Kind
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Outcome,
    Presence,
    Snapshot,
    Written,
)

__all__ = ["OmiSide"]


class _KindStore(Protocol):
    def snapshot(self) -> Snapshot: ...
    def create(self, drafts: Sequence[Draft]) -> list[Outcome]: ...
    def update(self, changes: Sequence[Change]) -> list[Outcome]: ...
    def delete(self, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]: ...
    def verify(self, item_ids: Sequence[str]) -> dict[str, Presence]: ...
    def find_created(
        self, drafts: Sequence[Draft], exclude: Collection[str]
    ) -> dict[str, Written]: ...


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"timezone: {name!r} is not a known IANA time zone; use a name such as "
            "'Europe/Lisbon' or 'America/New_York' (it decides the day a date-only due "
            "falls on in Omi)"
        ) from None


class OmiSide:
    """Omi through the Developer API, implementing :class:`~omisync.sync.side.Side`.

    - ``client``: an :class:`~omisync.omi.OmiClient` (its rate limiter and retry policy apply
      to every request; only requests that are safe to repeat are retried).
    - ``timezone``: the IANA zone a date-only due maps into: Omi stores local noon of that day.

    Tasks are Omi action items (every one the key can see, conversation-extracted included),
    notes are Omi memories. See :mod:`omisync.omi_side.tasks` and
    :mod:`omisync.omi_side.notes` for the mapping and its limits. Raises ``ValueError`` for an
    unknown ``timezone``. Not thread-safe: one sync run uses it at a time.
    """

    def __init__(self, client: OmiClient, *, timezone: str) -> None:
        self.zone = _zone(timezone)
        self._tasks = TaskStore(client, self.zone)
        self._notes = NoteStore(client)
        self._stores: dict[Kind, _KindStore] = {Kind.TASK: self._tasks, Kind.NOTE: self._notes}

    def __repr__(self) -> str:
        return f"OmiSide(timezone={self.zone.key!r})"

    @property
    def name(self) -> str:
        """``"omi"``."""
        return SIDE_NAME

    def batch_size(self, kind: Kind) -> int:
        """Return Omi's batch-create limit: 50 action items or 25 memories per call."""
        return ACTION_ITEM_BATCH_MAX if kind is Kind.TASK else MEMORY_BATCH_MAX

    def snapshot(self, kind: Kind) -> Snapshot:
        """List every item of ``kind`` (all pages, to an empty one).

        Complete only when the scan was a full listing. Locked action items are absent (Omi
        hides them) and locked memories are withheld; :meth:`verify` says so for their ids.
        Raises ``ListingError``, ``TransientError`` or ``AccessError`` when the listing fails.
        """
        return self._stores[kind].snapshot()

    def create(self, kind: Kind, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create ``drafts`` through Omi's batch endpoint, one call; one outcome per draft.

        Action-item creates are not idempotent and never retried here once they may have
        reached Omi: a failed call raises ``SideError`` and the runner's journal settles it.
        """
        return self._stores[kind].create(drafts)

    def update(self, kind: Kind, changes: Sequence[Change]) -> list[Outcome]:
        """PATCH only the changed fields, one request per item; one outcome per change.

        404 → ``ItemGoneError``, 402 → ``ItemLockedError``, 422 (and changes Omi cannot make,
        such as removing a due date) → ``ItemRejectedError``. A failure of the service itself
        raises ``SideError`` when nothing was written yet, else fails the remaining items.
        """
        return self._stores[kind].update(changes)

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Delete each item; ``COMPLETE`` marks a task done and keeps a note as it is.

        An item already gone (404) counts as deleted (``Written`` with ``held=None``).
        """
        return self._stores[kind].delete(item_ids, mode)

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> Mapping[str, Presence]:
        """Say whether each id missing from a complete listing is gone, locked or present.

        Action items: one PATCH with an empty body per id, which Omi answers 404 / 402 / 422
        without changing anything (see :mod:`omisync.omi_side.probe`). Memories: Omi lists
        locked ones too, so the latest listing decides. Raises ``SideError`` when Omi cannot
        be asked; the caller then deletes nothing.
        """
        return self._stores[kind].verify(item_ids)

    def find_created(
        self, kind: Kind, drafts: Sequence[Draft], *, exclude: Collection[str] = frozenset()
    ) -> Mapping[str, Written]:
        """Find items an interrupted run created from ``drafts``, by content (Omi keeps no
        stamp): normalised text and due day for tasks, the exact text for memories.

        Returns ``{draft.stamp: Written}``. Never claims an id in ``exclude`` (pass the ids
        already linked) nor one item for two drafts of a task. Raises ``SideError`` when the
        listing fails.
        """
        return self._stores[kind].find_created(drafts, exclude)

    def conversation_id(self, item_id: str) -> str | None:
        """Return the Omi conversation an action item was extracted from, per the latest task
        snapshot; ``None`` for a standalone (or unknown) item."""
        return self._tasks.conversation_id(item_id)
