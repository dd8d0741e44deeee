"""Omi memories as the Omi side's notes: ``text`` = content, ``category``, ``tags``,
``visibility``.

**Locked memories.** Omi lists a locked memory with its content cut to the first 70
characters plus ``"..."``, and says nothing else about the lock. Taking that preview for the
memory's text would look like an edit and overwrite the full text elsewhere. The rule: a
listed memory whose content is exactly 73 characters ending in ``"..."`` (the preview's shape,
``Memory.may_be_locked_preview``) is **withheld** from the snapshot's items, while the
snapshot stays complete. It is still *listed*, so :meth:`NoteStore.verify` answers LOCKED for
it and it is never taken as deleted; it is neither updated nor copied anywhere until its
content reads in full. A genuine, unlocked memory of exactly that shape is withheld the same
way: it is left alone, never lost.

**Ids.** A memory's id derives from its content, so creating a memory whose content exists
returns the existing memory (written as it was sent) and re-sending a create is harmless.

**Categories.** Omi knows a fixed set of categories (lower case). A note's category is matched
case-insensitively; a create with a category Omi does not know lets Omi choose one (the note's
base records what Omi chose); an update to such a category is refused with the list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence

import structlog

from omisync.omi import MEMORY_CATEGORIES, Memory, NewMemory, NotFoundError, OmiClient
from omisync.omi_side.errors import SIDE_NAME
from omisync.omi_side.listing import Listing
from omisync.omi_side.writes import (
    TEXT_LIMIT,
    checked_text,
    create_in_one_call,
    rejected,
    unclearable,
    unknown_fields,
    write_each,
)
from omisync.sync.links import Kind, Projection
from omisync.sync.records import NOTE_FIELDS, VISIBILITIES, RecordError, note_projection
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Failed,
    ItemLockedError,
    Outcome,
    Presence,
    Snapshot,
    Written,
)

__all__ = ["NoteStore"]

_NOUN = "memories"
_CANNOT_CLEAR = {
    "text": "a memory needs text",
    "category": "an Omi memory always has a category; pick one of "
    + ", ".join(sorted(MEMORY_CATEGORIES)),
    "tags": "tags must be a list (an empty one for none)",
    "visibility": "an Omi memory is either private or public",
}
_log = structlog.get_logger("omisync.omi_side")


def omi_category(category: object) -> str | None:
    """Return Omi's spelling of ``category`` (matched case-insensitively), else None."""
    if not isinstance(category, str):
        return None
    folded = category.strip().casefold()
    return folded if folded in MEMORY_CATEGORIES else None


def _visibility(value: object) -> str:
    visibility = value.strip().lower() if isinstance(value, str) else None
    if visibility not in VISIBILITIES:
        raise rejected(f"note.visibility: {value!r} is not one of {', '.join(VISIBILITIES)}")
    return visibility


def _tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
        raise rejected(f"note.tags: expected a list of texts, got {value!r}")
    return tuple(value)


class NoteStore:
    """Reads and writes Omi memories for :class:`~omisync.omi_side.OmiSide`."""

    def __init__(self, client: OmiClient) -> None:
        self._client = client
        self._listing: Listing[Memory] = Listing(client.memories.scan, _NOUN)

    # --- reading ------------------------------------------------------------------------------

    @staticmethod
    def projection(memory: Memory) -> Projection:
        """Return the canonical note projection of a memory.

        Raises :class:`RecordError` when Omi sent a value a note cannot hold.
        """
        return note_projection(memory.content, memory.category, memory.tags, memory.visibility)

    def snapshot(self) -> Snapshot:
        """List every memory now, withholding locked previews; complete on a full listing.

        Raises ``ListingError`` / ``TransientError`` / ``AccessError`` when the listing fails.
        """
        scan = self._listing.fresh()
        items: dict[str, Projection] = {}
        withheld = 0
        for memory in scan:
            if memory.may_be_locked_preview:
                withheld += 1
                continue
            try:
                items[memory.id] = self.projection(memory)
            except RecordError as error:
                _log.warning("omi.memory_skipped", memory_id=memory.id, reason=str(error))
        if withheld:
            _log.info("omi.memories_withheld", count=withheld, reason="locked preview")
        return Snapshot(
            kind=Kind.NOTE,
            items=items,
            complete=scan.is_full_listing,
            modified={m.id: m.updated_at for m in scan if m.id in items and m.updated_at},
            max_text_length=TEXT_LIMIT,
            one_item_per_text=True,
        )

    # --- writing ------------------------------------------------------------------------------

    @staticmethod
    def _new_memory(draft: Draft) -> NewMemory:
        fields = draft.fields
        unknown_fields(fields, NOTE_FIELDS, "note")
        category = fields.get("category")
        if category is not None and omi_category(category) is None:
            _log.info("omi.category_unknown", category=category, action="Omi chooses one")
        return NewMemory(
            checked_text(fields.get("text"), "note.text"),
            omi_category(category),
            _visibility(fields.get("visibility", "private")),
            _tags(fields.get("tags", [])),
        )

    def _written(self, memory: Memory) -> Written:
        return Written(memory.id, self.projection(memory))

    def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create ``drafts`` in one batch call; one outcome per draft.

        Content that already exists in Omi answers with the existing memory's id. Drafts Omi
        would refuse are :class:`Failed` and not sent. Raises ``SideError`` when the call
        fails (re-sending later is harmless: ids derive from content).
        """
        try:
            return create_in_one_call(
                drafts,
                self._new_memory,
                self._client.memories.create_batch,
                self._written,
                "creating Omi memories",
            )
        finally:
            self._listing.invalidate()

    def _patch(self, change: Change) -> Outcome:
        fields = change.fields
        unknown_fields(fields, NOTE_FIELDS, "note")
        problem = unclearable(fields, _CANNOT_CLEAR)
        if problem is not None:
            raise problem
        if not fields:
            raise rejected("the change holds no field to write")
        category = None
        if "category" in fields:
            category = omi_category(fields["category"])
            if category is None:
                raise rejected(
                    f"Omi has no memory category {fields['category']!r}; use one of "
                    + ", ".join(sorted(MEMORY_CATEGORIES))
                )
        memory = self._client.memories.update(
            change.item_id,
            content=None if "text" not in fields else checked_text(fields["text"], "note.text"),
            visibility=None if "visibility" not in fields else _visibility(fields["visibility"]),
            tags=None if "tags" not in fields else _tags(fields["tags"]),
            category=category,
        )
        return self._written(memory)

    def update(self, changes: Sequence[Change]) -> list[Outcome]:
        """PATCH only the changed fields of each memory (the id stays, even for new text)."""
        try:
            return write_each(
                changes, lambda change: change.item_id, self._patch, "updating Omi memory"
            )
        finally:
            self._listing.invalidate()

    def _keep(self, memory_id: str) -> Outcome:
        memory = self._listing.by_id().get(memory_id)
        if memory is None:
            return Written(memory_id, None)  # not listed: deleted already
        if memory.may_be_locked_preview:
            return Failed(memory_id, ItemLockedError("the memory is locked in Omi", side=SIDE_NAME))
        return self._written(memory)

    def _delete(self, memory_id: str) -> Outcome:
        with contextlib.suppress(NotFoundError):  # already gone: that is what was asked
            self._client.memories.delete(memory_id)
        return Written(memory_id, None)

    def delete(self, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Delete each memory; ``COMPLETE`` keeps it (a memory cannot be completed) and answers
        with what Omi holds. A memory already gone counts as deleted."""
        if mode is DeleteMode.COMPLETE:
            return write_each(item_ids, str, self._keep, "keeping Omi memory")
        try:
            return write_each(item_ids, str, self._delete, "deleting Omi memory")
        finally:
            self._listing.invalidate()

    # --- settling -----------------------------------------------------------------------------

    def verify(self, item_ids: Sequence[str]) -> dict[str, Presence]:
        """Say for each id whether the memory is gone, locked or present.

        Omi lists locked memories too, so the latest full listing decides: not listed → GONE,
        listed as a locked preview → LOCKED, else PRESENT. Raises ``SideError`` when the
        listing fails or was not complete.
        """
        scan = self._listing.full("checking memories missing from the listing")
        listed = {memory.id: memory for memory in scan}
        answers: dict[str, Presence] = {}
        for item_id in item_ids:
            memory = listed.get(item_id)
            if memory is None:
                answers[item_id] = Presence.GONE
            elif memory.may_be_locked_preview:
                answers[item_id] = Presence.LOCKED
            else:
                answers[item_id] = Presence.PRESENT
        return answers

    def find_created(self, drafts: Sequence[Draft], exclude: Collection[str]) -> dict[str, Written]:
        """Find memories an interrupted run created from ``drafts``: same text exactly.

        Ids in ``exclude`` (already linked) are never claimed. Raises ``SideError`` when the
        listing fails. A draft not found is safe to create again (ids derive from content).
        """
        scan = self._listing.full("looking up memories an interrupted run created")
        by_text: dict[str, Memory] = {}
        for memory in scan:
            if memory.id in exclude or memory.may_be_locked_preview:
                continue
            try:
                by_text.setdefault(self.projection(memory)["text"], memory)
            except RecordError:
                continue
        found: dict[str, Written] = {}
        for draft in drafts:
            try:
                text = note_projection(draft.fields.get("text", ""))["text"]
            except RecordError:
                continue
            match = by_text.get(text)
            if match is not None:
                found[draft.stamp] = self._written(match)
        return found
