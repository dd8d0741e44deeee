"""``plan()``: from two snapshots and the links, decide every write of one sync. Pure, no I/O.

Per link, each item is *present* (listed), *gone* (the side positively knows it was deleted,
and its listing was complete), a *tombstone* (its deletion was already dealt with) or
*unknown* (missing from the listing but not known to be deleted: left alone). Then:

====================  ======================  =============================================
Omi item              peer item               action
====================  ======================  =============================================
present, same         present, same           nothing (no write, no API call)
present, changed      present, same           push the changed fields to the peer
present, same         present, changed        pull the changed fields into Omi
present, changed      present, changed        merge field by field; a field changed to
                                              different values goes by the direction, then
                                              the policy (``manual``: park, write nothing)
gone                  present, same           delete / complete / ignore on the peer
gone                  present, changed        an edit beats a delete: recreate in Omi
tombstone             present, same           nothing (the peer item can be re-matched)
tombstone             present, changed        recreate in Omi
gone or tombstone     gone or tombstone       forget the link
unknown               anything                nothing
unlinked              —                       match against the other side's unlinked
                                              items (normalised text + due day), else create
====================  ======================  =============================================

and the mirror image for the peer. Writes a direction does not allow are not planned.
Guards: a create into a side whose listing was incomplete is deferred (it might duplicate an
item the listing missed); text a side cannot hold (empty, or longer than its limit) is
refused, never truncated; more deletions on one side than ``max_delete`` allows (what the
run's :class:`~omisync.sync.options.DeleteBudget` has left) are all held back until the user
confirms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import Enum
from typing import Any

from omisync.sync.actions import Conflict, Create, Delete, Keep, KeepReason, Plan, Refusal, Update
from omisync.sync.describe import quote
from omisync.sync.links import Kind, Link, LinkState, Projection
from omisync.sync.merge import Merge, merge
from omisync.sync.options import DeleteBudget, DeletePolicy, Direction, SyncOptions
from omisync.sync.records import match_key
from omisync.sync.side import DeleteMode, Role, Snapshot

__all__ = ["plan"]

#: The fields two unlinked items agree on once matched (the rest is merged like an edit).
_KEY_FIELDS = {Kind.TASK: ("text", "due"), Kind.NOTE: ("text",)}


class _Seen(Enum):
    PRESENT = "present"
    GONE = "gone"
    TOMBSTONE = "tombstone"
    UNKNOWN = "unknown"


def _look(snapshot: Snapshot, item_id: str | None) -> tuple[_Seen, Projection | None]:
    if item_id is None:
        return _Seen.TOMBSTONE, None
    now = snapshot.items.get(item_id)
    if now is not None:
        return _Seen.PRESENT, now
    if snapshot.complete and item_id in snapshot.deleted:
        return _Seen.GONE, None
    return _Seen.UNKNOWN, None


def plan(
    omi: Snapshot,
    peer: Snapshot,
    links: Iterable[Link],
    options: SyncOptions,
    *,
    connector: str,
    budget: DeleteBudget | None = None,
) -> Plan:
    """Return the :class:`Plan` that brings ``omi`` and ``peer`` back into agreement.

    ``links`` are every link of this connector and kind (tombstones and parked ones too).
    ``budget`` is what ``max_delete`` still allows in the run (the runner's, over all the
    kinds it syncs); by default this kind is the whole run. Raises ``ValueError`` when the
    snapshots are of different kinds or a link belongs to another connector or kind (a caller
    bug, not bad data).
    """
    if omi.kind is not peer.kind:
        raise ValueError(f"plan: Omi snapshot is of {omi.kind}s but the peer's of {peer.kind}s")
    return _Planner(omi, peer, options, connector).run(links, budget)


class _Planner:
    """Accumulates the plan of one kind; one method per row family of the table."""

    def __init__(self, omi: Snapshot, peer: Snapshot, options: SyncOptions, connector: str):
        self.kind = omi.kind
        self.connector = connector
        self.snapshots = {Role.OMI: omi, Role.PEER: peer}
        self.names = {Role.OMI: "Omi", Role.PEER: connector}
        self.options = options
        self.kind_options = options.for_kind(self.kind)
        self.direction = self.kind_options.direction
        self.creates: list[Create] = []
        self.updates: list[Update] = []
        self.deletes: list[Delete] = []
        self.matches: list[Link] = []
        self.rebases: list[Link] = []
        self.forgets: list[str] = []
        self.kept: list[Keep] = []
        self.conflicts: list[Conflict] = []
        self.refusals: list[Refusal] = []
        self.notices: list[str] = []
        self.link_ids: set[str] = set()
        self.linked: dict[Role, set[str]] = {Role.OMI: set(), Role.PEER: set()}
        # Items whose partner was deleted (now or earlier), with whether it is newly gone.
        self.survivors: dict[Role, dict[str, tuple[Link, bool]]] = {Role.OMI: {}, Role.PEER: {}}
        self.deferred: dict[Role, int] = {Role.OMI: 0, Role.PEER: 0}
        self.unknown = 0
        # Stripped texts a one-item-per-text side holds or is about to be given (lazily filled).
        self.texts_taken: dict[Role, set[str]] = {}

    def writes(self, role: Role) -> bool:
        return self.direction.writes_omi if role is Role.OMI else self.direction.writes_peer

    def place(self, role: Role, item_id: str | None) -> str | None:
        """Where the user finds an item of ``role``'s side, if that side said."""
        return None if item_id is None else self.snapshots[role].where.get(item_id)

    def link_place(self, link: Link) -> str | None:
        """Where the user finds a linked pair: the peer item's place, else the Omi item's."""
        return self.place(Role.PEER, link.peer_id) or self.place(Role.OMI, link.omi_id)

    def run(self, links: Iterable[Link], budget: DeleteBudget | None) -> Plan:
        count = 0
        for link in links:
            if link.kind is not self.kind or link.connector != self.connector:
                raise ValueError(
                    f"plan: link {link.link_id} is a {link.connector} {link.kind} link, "
                    f"not {self.connector} {self.kind}"
                )
            count += 1
            self.link_ids.add(link.link_id)
            if link.omi_id is not None:
                self.linked[Role.OMI].add(link.omi_id)
            if link.peer_id is not None:
                self.linked[Role.PEER].add(link.peer_id)
            if self.direction is not Direction.OFF:
                self.plan_link(link)
        if self.direction is Direction.OFF:
            return Plan(self.kind, self.connector)
        self.plan_unlinked()
        self.hold_back_deletes(budget or DeleteBudget(self.options.max_delete, count))
        self.explain()
        return Plan(
            kind=self.kind,
            connector=self.connector,
            creates=tuple(self.creates),
            updates=tuple(self.updates),
            deletes=tuple(self.deletes),
            matches=tuple(self.matches),
            rebases=tuple(self.rebases),
            forgets=tuple(self.forgets),
            kept=tuple(self.kept),
            conflicts=tuple(self.conflicts),
            refusals=tuple(self.refusals),
            notices=tuple(self.notices),
        )

    # --- linked items ---------------------------------------------------------------------

    def plan_link(self, link: Link) -> None:
        omi_seen, omi_now = _look(self.snapshots[Role.OMI], link.omi_id)
        peer_seen, peer_now = _look(self.snapshots[Role.PEER], link.peer_id)
        if _Seen.UNKNOWN in (omi_seen, peer_seen):
            self.unknown += 1
        elif omi_now is not None and peer_now is not None:
            self.plan_pair(link, omi_now, peer_now)
        elif omi_now is not None:
            self.plan_survivor(link, Role.OMI, omi_now, newly_gone=peer_seen is _Seen.GONE)
        elif peer_now is not None:
            self.plan_survivor(link, Role.PEER, peer_now, newly_gone=omi_seen is _Seen.GONE)
        else:
            self.forgets.append(link.link_id)

    def plan_pair(self, link: Link, omi_now: Projection, peer_now: Projection) -> None:
        if omi_now == link.omi_base and peer_now == link.peer_base:
            if link.state is LinkState.CONFLICT:  # the user put both sides back as they were
                self.rebases.append(link.rebased())
            return
        outcome = self.merge(link, omi_now, link.omi_base, peer_now, link.peer_base)
        settled = self.settle(link, omi_now, peer_now, outcome)
        if settled != link:
            self.rebases.append(settled)

    def plan_survivor(
        self, link: Link, survivor: Role, now: Projection, *, newly_gone: bool
    ) -> None:
        """Hold the survivor of a deleted partner for matching; settle it only if unmatched.

        An unlinked item on the deleted side that matches the survivor is its partner moved or
        re-made (a Markdown line that lost its anchor, a memory re-added): relinking it beats
        both deleting the survivor and recreating the partner.
        """
        self.survivors[survivor][_item_id(link, survivor)] = (link, newly_gone)

    def settle_survivor(
        self, link: Link, survivor: Role, now: Projection, newly_gone: bool
    ) -> None:
        base = link.omi_base if survivor is Role.OMI else link.peer_base
        gone = survivor.other
        if now != base:
            if self.writes(gone):  # an edit beats a delete
                self.create(
                    gone, _item_id(link, survivor), now, link_id=link.link_id, replaces=link
                )
                return
            if not newly_gone:  # a one-way kind: the edit stays where it is
                self.rebases.append(_rebased(link, survivor, now))
                return
        elif not newly_gone:
            return
        self.plan_deletion(link, survivor, now)

    def plan_deletion(self, link: Link, survivor: Role, now: Projection) -> None:
        """Delete or complete the survivor as ``on_delete`` says, else keep it and say why."""
        policy = self.kind_options.on_delete
        where = self.place(survivor, _item_id(link, survivor))
        if not self.writes(survivor):
            kept: KeepReason | None = KeepReason.ONE_WAY
        elif policy is DeletePolicy.IGNORE:
            kept = KeepReason.IGNORED
        elif policy is DeletePolicy.COMPLETE and (self.kind is Kind.NOTE or now.get("done")):
            kept = KeepReason.KEPT
        else:
            kept = None
        if kept is not None:
            self.rebases.append(_tombstone(link, survivor, now))
            self.kept.append(Keep(link, survivor, kept, now, where))
            return
        mode = DeleteMode.DELETE if policy is DeletePolicy.DELETE else DeleteMode.COMPLETE
        self.deletes.append(Delete(link, survivor, mode, now, where))

    # --- merging and settling a pair ------------------------------------------------------

    def merge(
        self,
        link: Link,
        omi_now: Projection,
        omi_base: Projection,
        peer_now: Projection,
        peer_base: Projection,
    ) -> Merge:
        return merge(
            omi_now,
            omi_base,
            peer_now,
            peer_base,
            direction=self.direction,
            policy=self.kind_options.conflict,
            newest=self.newest(link),
        )

    def newest(self, link: Link) -> Role | None:
        omi_time = self.snapshots[Role.OMI].modified.get(link.omi_id or "")
        peer_time = self.snapshots[Role.PEER].modified.get(link.peer_id or "")
        if omi_time is None or peer_time is None:
            return None
        return Role.OMI if omi_time >= peer_time else Role.PEER

    def settle(self, link: Link, omi_now: Projection, peer_now: Projection, outcome: Merge) -> Link:
        """Record the merge's conflicts and writes; return the link row as it should now be.

        The returned link keeps its bases when a write is planned (the write's success moves
        them) or the pair is parked; otherwise it takes the current projections as bases.
        """
        label, where = str(omi_now.get("text", "")), self.link_place(link)
        self.conflicts.extend(
            Conflict(link.link_id, label, c.field, c.omi_value, c.peer_value, c.winner, where)
            for c in outcome.conflicts
        )
        if outcome.parked:
            record = {
                c.field: {"omi": c.omi_value, "peer": c.peer_value} for c in outcome.conflicts
            }
            return link.rebased(state=LinkState.CONFLICT, conflict=record)
        if not outcome.to_omi and not outcome.to_peer:
            return link.rebased(omi_base=omi_now, peer_base=peer_now)
        for target, fields in ((Role.OMI, outcome.to_omi), (Role.PEER, outcome.to_peer)):
            source_id = _item_id(link, target.other)
            if fields and self.refuse(target, source_id, fields, link.link_id):
                return link
        self.updates.append(Update(link, outcome.to_omi, outcome.to_peer, omi_now, peer_now, where))
        return link.rebased(state=LinkState.LINKED) if link.state is LinkState.CONFLICT else link

    # --- unlinked items -------------------------------------------------------------------

    def plan_unlinked(self) -> None:
        pools = {role: self.pool(role) for role in Role}
        zone = self.options.zone
        waiting: dict[tuple[Any, ...], list[tuple[str, Projection, Link | None]]] = {}
        for entry in sorted(pools[Role.PEER], key=lambda entry: entry[0], reverse=True):
            waiting.setdefault(match_key(self.kind, entry[1], zone), []).append(entry)
        unmatched_omi = []
        for omi_entry in sorted(pools[Role.OMI], key=lambda entry: entry[0]):
            candidates = waiting.get(match_key(self.kind, omi_entry[1], zone))
            if candidates:
                self.link_pair(omi_entry, candidates.pop())
            else:
                unmatched_omi.append(omi_entry)
        unmatched_peer = sorted(
            (entry for entries in waiting.values() for entry in entries), key=lambda e: e[0]
        )
        for role, entries in ((Role.OMI, unmatched_omi), (Role.PEER, unmatched_peer)):
            for item_id, now, survivor_of in entries:
                if survivor_of is not None:
                    newly_gone = self.survivors[role][item_id][1]
                    self.settle_survivor(survivor_of, role, now, newly_gone)
                elif now.get("done") and not self.kind_options.create_completed:
                    continue
                else:
                    link_id = self.new_link_id(role, item_id)
                    self.create(role.other, item_id, now, link_id=link_id, replaces=None)

    def pool(self, role: Role) -> list[tuple[str, Projection, Link | None]]:
        linked = self.linked[role]
        survivors = self.survivors[role]
        entries: list[tuple[str, Projection, Link | None]] = [
            (item_id, now, None)
            for item_id, now in self.snapshots[role].items.items()
            if item_id not in linked
        ]
        entries.extend(
            (item_id, self.snapshots[role].items[item_id], link)
            for item_id, (link, _) in survivors.items()
        )
        return entries

    def link_pair(
        self,
        omi_entry: tuple[str, Projection, Link | None],
        peer_entry: tuple[str, Projection, Link | None],
    ) -> None:
        """Link two items found to be the same; merge their other fields like an edit."""
        (omi_id, omi_now, omi_old), (peer_id, peer_now, peer_old) = omi_entry, peer_entry
        reused = omi_old or peer_old
        if omi_old is not None and peer_old is not None:
            self.forgets.append(peer_old.link_id)
        link_id = reused.link_id if reused is not None else self.new_link_id(Role.OMI, omi_id)
        fields = _KEY_FIELDS[self.kind]
        omi_base = {name: omi_now.get(name) for name in fields}
        peer_base = {name: peer_now.get(name) for name in fields}
        link = Link.new(
            link_id,
            self.connector,
            self.kind,
            omi_id=omi_id,
            peer_id=peer_id,
            omi_base=omi_base,
            peer_base=peer_base,
        )
        outcome = self.merge(link, omi_now, omi_base, peer_now, peer_base)
        self.matches.append(self.settle(link, omi_now, peer_now, outcome))

    def new_link_id(self, role: Role, item_id: str) -> str:
        seed = f"{self.connector}\0{self.kind}\0{role}\0{item_id}"
        for attempt in range(1_000_000):
            digest = hashlib.sha256(f"{seed}\0{attempt}".encode()).hexdigest()[:24]
            link_id = f"{self.kind}-{digest}"
            if link_id not in self.link_ids:
                self.link_ids.add(link_id)
                return link_id
        raise AssertionError("unreachable: no free link id")  # pragma: no cover

    # --- creates, refusals and guards -----------------------------------------------------

    def create(
        self,
        target: Role,
        source_id: str,
        fields: Projection,
        *,
        link_id: str,
        replaces: Link | None,
    ) -> None:
        if not self.writes(target):
            return
        if not self.snapshots[target].complete:
            self.deferred[target] += 1
            return
        if not self.refuse(target, source_id, fields, replaces.link_id if replaces else None):
            where = self.place(target.other, source_id)
            self.creates.append(Create(link_id, target, source_id, fields, replaces, where))
            if target in self.texts_taken:
                self.texts_taken[target].add(str(fields["text"]).strip())

    def refuse(self, target: Role, source_id: str, fields: Projection, link_id: str | None) -> bool:
        """Record a refusal and return True when ``target`` cannot hold ``fields``."""
        if "text" not in fields:
            return False
        text = str(fields["text"])
        limit = self.snapshots[target].max_text_length
        name, source = self.names[target], self.names[target.other]
        if not text.strip():
            reason = f"an item in {source} has no text; {name} needs text — add some"
        elif limit is not None and len(text) > limit:
            reason = (
                f"{quote(text)} in {source} is {len(text)} characters; {name} accepts at "
                f"most {limit} — shorten it there (omisync never truncates)"
            )
        elif text.strip() in self.text_taken(target):
            reason = (
                f"{quote(text)} in {source} has the same text as another {self.kind}; {name} "
                f"keeps one {self.kind} per text — merge the two in {source} or reword one"
            )
        else:
            return False
        where = self.place(target.other, source_id)
        self.refusals.append(Refusal(target.other, source_id, link_id, reason, where))
        return True

    def text_taken(self, target: Role) -> set[str]:
        """The stripped texts ``target`` holds or will be given, if it keeps one item per
        text; else an empty set."""
        snapshot = self.snapshots[target]
        if not snapshot.one_item_per_text:
            return set()
        if target not in self.texts_taken:
            held = (str(item.get("text", "")).strip() for item in snapshot.items.values())
            planned = (
                str(c.fields.get("text", "")).strip() for c in self.creates if c.target is target
            )
            self.texts_taken[target] = {*held, *planned}
        return self.texts_taken[target]

    def hold_back_deletes(self, budget: DeleteBudget) -> None:
        if self.options.confirm_deletes or not self.deletes:
            return
        held: set[Role] = set()
        for role in Role:
            doomed = [delete for delete in self.deletes if delete.target is role]
            if len(doomed) <= budget.left(role):
                continue
            held.add(role)
            reason = (
                f"{len(doomed)} {self.kind}s would be deleted or completed in {self.names[role]}"
                f" (items deleted in {self.names[role.other]}), more than max_delete allows "
                f"({budget.explain(role)}). Check that those deletions were intended, then "
                "run again with --confirm-deletes (or raise max_delete in the config)"
            )
            self.notices.append(reason)
            self.refusals.extend(
                Refusal(role, delete.item_id, delete.link.link_id, reason, delete.where)
                for delete in doomed
            )
        if held:
            self.deletes = [delete for delete in self.deletes if delete.target not in held]

    def explain(self) -> None:
        for role, count in self.deferred.items():
            if count:
                self.notices.append(
                    f"{count} {self.kind}(s) not copied to {self.names[role]} yet: its listing "
                    "was incomplete, so a copy could duplicate an item it did not list"
                )
        if self.unknown:
            self.notices.append(
                f"{self.unknown} linked {self.kind}(s) missing from a listing were left alone "
                "(not known to be deleted)"
            )


def _item_id(link: Link, role: Role) -> str:
    item_id = link.omi_id if role is Role.OMI else link.peer_id
    assert item_id is not None
    return item_id


def _rebased(link: Link, role: Role, now: Projection) -> Link:
    return link.rebased(omi_base=now) if role is Role.OMI else link.rebased(peer_base=now)


def _tombstone(link: Link, survivor: Role, now: Projection) -> Link:
    if survivor is Role.OMI:
        return link.relinked(omi_id=link.omi_id, peer_id=None).rebased(omi_base=now)
    return link.relinked(omi_id=None, peer_id=link.peer_id).rebased(peer_base=now)
