"""Omi action items as the Omi side's tasks: ``text`` = description, ``done`` = completed,
``due`` = ``due_at`` read in the configured time zone.

Every action item the key can see is synced, including those Omi extracted from conversations
(their ``conversation_id`` is kept per id, see :meth:`TaskStore.conversation_id`). Locked items
are hidden by Omi's listing; :meth:`TaskStore.verify` tells them from deleted ones.

Due dates: a date-only due is stored in Omi as local noon of that day in the zone
(:func:`~omisync.sync.records.due_to_instant`) and an instant that is exactly local noon reads
back as date-only, so a date never drifts across zones. Omi cannot remove a due date.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, tzinfo

from omisync.omi import ActionItem, NewActionItem, NotFoundError, OmiClient, OmiError
from omisync.omi_side.errors import side_error
from omisync.omi_side.listing import Listing
from omisync.omi_side.probe import probe_action_item
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
from omisync.sync.records import (
    TASK_FIELDS,
    Due,
    RecordError,
    due_from_instant,
    due_to_instant,
    match_key,
    task_projection,
)
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Outcome,
    Presence,
    Snapshot,
    Written,
)

__all__ = ["TaskStore"]

_NOUN = "action items"
_CANNOT_CLEAR = {
    "due": (
        "Omi cannot remove a due date (its API ignores due_at: null); remove it in the Omi app, "
        "or give the task a date again"
    ),
    "text": "a task needs text",
    "done": "a task is either done or not",
}
_EPOCH = datetime.min.replace(tzinfo=UTC)


class TaskStore:
    """Reads and writes Omi action items for :class:`~omisync.omi_side.OmiSide`."""

    def __init__(self, client: OmiClient, zone: tzinfo) -> None:
        self._client = client
        self._zone = zone
        self._listing: Listing[ActionItem] = Listing(client.action_items.scan, _NOUN)
        self._conversations: dict[str, str] = {}

    # --- reading ------------------------------------------------------------------------------

    def projection(self, item: ActionItem) -> Projection:
        """Return the canonical task projection of an Omi action item."""
        due = None if item.due_at is None else due_from_instant(item.due_at, self._zone)
        return task_projection(item.description, item.completed, due)

    def snapshot(self) -> Snapshot:
        """List every action item now; complete when the scan was a full listing.

        Raises ``ListingError`` / ``TransientError`` / ``AccessError`` when the listing fails.
        """
        scan = self._listing.fresh()
        self._conversations = {
            item.id: item.conversation_id for item in scan if item.conversation_id is not None
        }
        return Snapshot(
            kind=Kind.TASK,
            items={item.id: self.projection(item) for item in scan},
            complete=scan.is_full_listing,
            modified={item.id: item.updated_at for item in scan if item.updated_at is not None},
            max_text_length=TEXT_LIMIT,
        )

    def conversation_id(self, item_id: str) -> str | None:
        """Return the conversation the item was extracted from (per the latest snapshot)."""
        return self._conversations.get(item_id)

    # --- writing ------------------------------------------------------------------------------

    def _new_item(self, draft: Draft) -> NewActionItem:
        fields = draft.fields
        unknown_fields(fields, TASK_FIELDS, "task")
        done = fields.get("done", False)
        if not isinstance(done, bool):
            raise rejected(f"task.done: expected true or false, got {done!r}")
        due = fields.get("due")
        return NewActionItem(
            checked_text(fields.get("text"), "task.text"),
            done,
            None if due is None else self._instant(due),
        )

    def _instant(self, due: object) -> datetime:
        try:
            if not isinstance(due, str):
                raise RecordError(f"due: expected an ISO date or date-time string, got {due!r}")
            return due_to_instant(Due.parse(due), self._zone)
        except RecordError as error:
            raise rejected(str(error)) from None

    def _written(self, item: ActionItem) -> Written:
        return Written(item.id, self.projection(item))

    def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create ``drafts`` in one batch call (never retried after it may have reached Omi).

        Returns one outcome per draft; drafts Omi would refuse are :class:`Failed` and not
        sent. Raises ``SideError`` when the call fails: any sent draft may exist now.
        """
        try:
            return create_in_one_call(
                drafts,
                self._new_item,
                self._client.action_items.create_batch,
                self._written,
                "creating Omi action items",
            )
        finally:
            self._listing.invalidate()

    def _patch(self, change: Change) -> Outcome:
        fields = change.fields
        unknown_fields(fields, TASK_FIELDS, "task")
        problem = unclearable(fields, _CANNOT_CLEAR)
        if problem is not None:
            raise problem
        if not fields:
            raise rejected("the change holds no field to write")
        item = self._client.action_items.update(
            change.item_id,
            description=None if "text" not in fields else checked_text(fields["text"], "task.text"),
            completed=fields.get("done"),
            due_at=None if "due" not in fields else self._instant(fields["due"]),
        )
        return self._written(item)

    def update(self, changes: Sequence[Change]) -> list[Outcome]:
        """PATCH only the changed fields of each item; one outcome per change.

        Removing a due date is answered :class:`Failed` with ``ItemRejectedError`` (Omi cannot
        do it) and nothing is sent for that item.
        """
        try:
            return write_each(
                changes, lambda change: change.item_id, self._patch, "updating Omi action item"
            )
        finally:
            self._listing.invalidate()

    def _remove(self, item_id: str, mode: DeleteMode) -> Outcome:
        try:
            if mode is DeleteMode.COMPLETE:
                return self._written(self._client.action_items.update(item_id, completed=True))
            self._client.action_items.delete(item_id)
        except NotFoundError:
            pass  # already gone: that is what was asked
        return Written(item_id, None)

    def delete(self, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Delete each item (``COMPLETE``: mark it done); an item already gone counts as done."""
        verb = "completing" if mode is DeleteMode.COMPLETE else "deleting"
        try:
            return write_each(
                item_ids,
                lambda item_id: item_id,
                lambda item_id: self._remove(item_id, mode),
                f"{verb} Omi action item",
            )
        finally:
            self._listing.invalidate()

    # --- settling -----------------------------------------------------------------------------

    def verify(self, item_ids: Sequence[str]) -> dict[str, Presence]:
        """Say for each id whether the item is gone, locked or present.

        Ids in the latest listing are present; the others are probed one request each with a
        PATCH that changes nothing (see :mod:`omisync.omi_side.probe`). Raises ``SideError``
        when Omi cannot be asked (network, 5xx, key): then nothing may be concluded.
        """
        listed = self._listing.by_id()
        answers: dict[str, Presence] = {}
        for item_id in item_ids:
            if item_id in listed:
                answers[item_id] = Presence.PRESENT
                continue
            try:
                answers[item_id] = probe_action_item(self._client, item_id)
            except OmiError as error:
                raise side_error(error, f"checking Omi action item {item_id}") from error
        return answers

    def find_created(self, drafts: Sequence[Draft], exclude: Collection[str]) -> dict[str, Written]:
        """Find action items an interrupted run created from ``drafts``, by text and due day.

        Omi stores no stamp, so a draft matches an item whose normalised text and due day are
        the same (:func:`~omisync.sync.records.match_key`). Only standalone items qualify (the
        API creates no other kind); ids in ``exclude`` (already linked) are never claimed, nor
        is one item claimed twice. Among equal candidates the newest is taken: the interrupted
        run made it last. Raises ``SideError`` when the listing fails.
        """
        scan = self._listing.full("looking up action items an interrupted run created")
        newest_first = sorted(
            (item for item in scan if item.conversation_id is None and item.id not in exclude),
            key=lambda item: item.created_at or _EPOCH,
            reverse=True,
        )
        candidates = [(self._key(item), item) for item in newest_first]
        found: dict[str, Written] = {}
        claimed: set[str] = set()
        for draft in drafts:
            if not isinstance(draft.fields.get("text"), str):
                continue
            key = match_key(Kind.TASK, draft.fields, self._zone)
            for item_key, item in candidates:
                if item_key == key and item.id not in claimed:
                    claimed.add(item.id)
                    found[draft.stamp] = self._written(item)
                    break
        return found

    def _key(self, item: ActionItem) -> tuple[str, date | None]:
        return match_key(Kind.TASK, self.projection(item), self._zone)
