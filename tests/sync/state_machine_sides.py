"""The two sides the sync state machine attacks: ``MemorySide`` plus what real sides do.

:class:`MachineSide` adds to the engine fakes' ``MemorySide``:

- ``hidden``: ids a *complete* listing leaves out although the items exist (Omi hides locked
  items; Todoist drops completed tasks from active listings); :meth:`verify` answers
  ``hidden_presence`` for them (``LOCKED`` for Omi, ``PRESENT`` for the peer). A listing that
  hides every linked item is a complete listing that comes back empty.
- ``reports_deletions``: the snapshot names the ids deleted on this side (Todoist's
  ``is_deleted``), even when the listing is incomplete, so the planner itself must not act on
  them then.
- ``content_ids``: like Omi memories, a note's id derives from its text, the snapshot says the
  side keeps one note per text, and creating a note whose text is already held overwrites
  that note (re-posting is idempotent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from engine_fakes import MemorySide

from omisync.sync import (
    DeleteMode,
    Draft,
    Kind,
    Outcome,
    Presence,
    Projection,
    Snapshot,
)


def content_id(text: str) -> str:
    """The id Omi gives a memory of ``text``."""
    return "m" + hashlib.sha256(text.strip().encode()).hexdigest()[:10]


@dataclass
class MachineSide(MemorySide):
    """A ``MemorySide`` with hidden items, reported deletions and content-derived note ids."""

    hidden: set[str] = field(default_factory=set)
    hidden_presence: Presence = Presence.PRESENT
    reports_deletions: bool = False
    content_ids: bool = False

    def by_content(self, kind: Kind) -> bool:
        return self.content_ids and kind is Kind.NOTE

    def user_put(self, kind: Kind, item_id: str | None, fields: Projection) -> str:
        if item_id is None and self.by_content(kind):
            item_id = content_id(fields["text"])
        return super().user_put(kind, item_id, fields)

    def snapshot(self, kind: Kind) -> Snapshot:
        listed = super().snapshot(kind)
        items = {i: p for i, p in listed.items.items() if i not in self.hidden}
        return replace(
            listed,
            items=items,
            modified={i: t for i, t in listed.modified.items() if i in items},
            deleted=frozenset(self.gone) if self.reports_deletions else listed.deleted,
            one_item_per_text=self.by_content(kind),
        )

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> dict[str, Presence]:
        answer = super().verify(kind, item_ids)
        return {i: self.hidden_presence if i in self.hidden else seen for i, seen in answer.items()}

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        assert kind is Kind.TASK or mode is DeleteMode.DELETE, f"asked to {mode} a note"
        return super().delete(kind, item_ids, mode)

    def _new_id(self, kind: Kind, draft: Draft) -> str:
        if self.by_content(kind):
            return content_id(draft.fields["text"])  # an item with this text is overwritten
        return super()._new_id(kind, draft)
