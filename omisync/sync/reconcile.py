"""Settle the journal entries an interrupted run left pending, before anything is planned.

A pending entry means a remote write may or may not have happened:

- a **create** is looked up on its side (:meth:`Side.find_created`, by stamp or content); found,
  it is linked as if the run had finished; not found, it is marked failed and the plan makes it
  again if it is still needed;
- a **complete** (delete mode ``complete``) that landed shows as a done item: the link becomes
  the tombstone it would have become (else the completion would look like a user's edit and
  recreate the deleted item);
- any other write is marked failed as "outcome unknown": the next plan sees the item as it
  is, and the three-way merge converges whether or not the write landed.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from omisync.state import JournalEntry, JournalOp, StateDB
from omisync.sync.actions import Create, Delete
from omisync.sync.links import Kind, Link
from omisync.sync.side import DeleteMode, Draft, Role, Side, Snapshot, Written

__all__ = ["reconcile_journal"]

_NOT_FOUND = "not found after an interrupted run; it is planned again if still needed"
_UNKNOWN = "outcome unknown after an interrupted run; the item is compared again"


def reconcile_journal(
    state: StateDB,
    sides: Mapping[Role, Side],
    snapshots: Mapping[Role, Snapshot],
    links: MutableMapping[str, Link],
    *,
    connector: str,
    kind: Kind,
) -> int:
    """Settle every pending journal entry of ``connector`` and ``kind``; return how many.

    ``links`` (by id) is updated with the links saved. Raises :class:`SideError` when a side
    cannot look up the interrupted creates: planning then must not go ahead, or it could
    create the same items twice.
    """
    pending = [entry for entry in state.journal.pending(connector) if entry.kind == kind.value]
    if not pending:
        return 0
    linked = {
        Role.OMI: {link.omi_id: link.link_id for link in links.values() if link.omi_id},
        Role.PEER: {link.peer_id: link.link_id for link in links.values() if link.peer_id},
    }
    found = _find_created(sides, pending, kind, linked)
    with state.transaction():
        for entry in pending:
            link = _settle(entry, found, snapshots, links, linked, connector=connector, kind=kind)
            if link is None:
                state.journal.mark_failed(
                    entry.entry_id, _NOT_FOUND if entry.op is JournalOp.CREATE else _UNKNOWN
                )
                continue
            state.links.save([link])
            links[link.link_id] = link
            state.journal.mark_done(entry.entry_id, item_id=_item_id(link, Role(entry.side)))
    return len(pending)


def _find_created(
    sides: Mapping[Role, Side],
    pending: list[JournalEntry],
    kind: Kind,
    linked: Mapping[Role, Mapping[str, str]],
) -> dict[int, Written]:
    """Look up every pending create on its side, never claiming an item already linked;
    return entry id → what was found."""
    found: dict[int, Written] = {}
    for role in Role:
        creates = [e for e in pending if e.op is JournalOp.CREATE and e.side == role.value]
        if not creates:
            continue
        drafts = [Draft(_stamp(entry), entry.payload["fields"]) for entry in creates]
        answers = sides[role].find_created(kind, drafts, exclude=linked[role].keys())
        found.update(
            (entry.entry_id, answers[_stamp(entry)])
            for entry in creates
            if _stamp(entry) in answers
        )
    return found


def _settle(
    entry: JournalEntry,
    found: Mapping[int, Written],
    snapshots: Mapping[Role, Snapshot],
    links: Mapping[str, Link],
    linked: Mapping[Role, Mapping[str, str]],
    *,
    connector: str,
    kind: Kind,
) -> Link | None:
    """Return the link a landed write makes, or None when it did not (or cannot be told)."""
    role = Role(entry.side)
    if entry.op is JournalOp.CREATE and entry.link_id is not None:
        written = found.get(entry.entry_id)
        create = Create.from_payload(entry.link_id, entry.payload)
        taken = {
            linked[role].get(written.item_id) if written else None,
            linked[role.other].get(create.source_id),
        } - {None, entry.link_id}
        if written is None or taken:  # not there, or an item already linked elsewhere
            return None
        return create.link_after(written, connector=connector, kind=kind)
    if entry.op is JournalOp.DELETE and entry.payload.get("mode") == DeleteMode.COMPLETE:
        link = links.get(entry.link_id or "")
        item_id = entry.item_id or ""
        now = snapshots[role].items.get(item_id)
        if link is None or now is None or not now.get("done"):
            return None
        return Delete(link, role, DeleteMode.COMPLETE, now).link_after(Written(item_id, now))
    return None


def _stamp(entry: JournalEntry) -> str:
    return entry.stamp or entry.link_id or str(entry.entry_id)


def _item_id(link: Link, role: Role) -> str | None:
    return link.omi_id if role is Role.OMI else link.peer_id
