"""Test helpers for the sync engine: snapshot/link builders and in-memory sides.

``MemorySide`` is a complete, honest implementation of the Side protocol over a dict; it counts
every write call and can be told to hide items (locked), fail items, fail listings, return
incomplete listings, or raise from inside a write (a crash) before or after applying it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from omisync.sync import (
    Change,
    DeleteMode,
    Draft,
    Failed,
    ItemGoneError,
    ItemLockedError,
    ItemRejectedError,
    Kind,
    Link,
    ListingError,
    Outcome,
    Presence,
    Projection,
    SideError,
    Snapshot,
    Written,
    note_projection,
    task_projection,
)
from omisync.sync.records import Due, DueKind, due_from_instant, due_to_instant

CONNECTOR = "vault"


def task(text: str, done: bool = False, due: str | None = None) -> Projection:
    """A canonical task projection."""
    return task_projection(text, done, due)


def note(
    text: str, category: str | None = None, tags: Iterable[str] = (), visibility: str = "private"
) -> Projection:
    """A canonical note projection."""
    return note_projection(text, category, tags, visibility)


def snap(
    items: Mapping[str, Projection],
    *,
    kind: Kind = Kind.TASK,
    complete: bool = True,
    deleted: Iterable[str] = (),
    modified: Mapping[str, datetime] | None = None,
    max_text_length: int | None = None,
    one_item_per_text: bool = False,
    where: Mapping[str, str] | None = None,
) -> Snapshot:
    """A snapshot of ``items``."""
    return Snapshot(
        kind,
        dict(items),
        complete,
        frozenset(deleted),
        dict(modified or {}),
        max_text_length,
        one_item_per_text,
        dict(where or {}),
    )


def link(
    link_id: str,
    omi_id: str | None,
    peer_id: str | None,
    omi_base: Projection,
    peer_base: Projection | None = None,
    *,
    kind: Kind = Kind.TASK,
) -> Link:
    """An agreed link; the peer base defaults to the Omi base."""
    return Link.new(
        link_id,
        CONNECTOR,
        kind,
        omi_id=omi_id,
        peer_id=peer_id,
        omi_base=omi_base,
        peer_base=omi_base if peer_base is None else peer_base,
    )


class Crash(BaseException):
    """Raised by a crash hook: stands for the process dying (not an ordinary error)."""


#: Where a write may crash: before it is applied, or after it is applied but before it answers.
CrashPoint = str  # "before" | "after"


def omi_like_hold(kind: Kind, fields: Projection, zone: ZoneInfo) -> Projection:
    """What Omi holds after storing ``fields``: dues go through a UTC instant (lossy)."""
    if kind is not Kind.TASK or fields.get("due") is None:
        return dict(fields)
    due = Due.parse(fields["due"])
    instant = due_to_instant(due, zone)
    return {**fields, "due": due_from_instant(instant, zone).to_json()}


def date_only_hold(kind: Kind, fields: Projection, zone: ZoneInfo) -> Projection:
    """What a peer that keeps only the calendar day of a due holds (lossy)."""
    if kind is not Kind.TASK or fields.get("due") is None:
        return dict(fields)
    due = Due.parse(fields["due"])
    if due.kind is DueKind.DATE:
        return dict(fields)
    return {**fields, "due": Due.on_date(due.day(zone)).to_json()}


_CLOCK = itertools.count(1)


def tick() -> datetime:
    """A clock shared by every fake side, so their modification times compare."""
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=next(_CLOCK))


@dataclass
class MemorySide:
    """An in-memory side. ``hold`` maps what is written to what the side stores (lossy)."""

    name: str
    id_prefix: str
    max_text_length: int | None = None
    batch: int = 3
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    hold: Callable[[Kind, Projection, ZoneInfo], Projection] | None = None
    stores_stamps: bool = True
    items: dict[Kind, dict[str, Projection]] = field(
        default_factory=lambda: {Kind.TASK: {}, Kind.NOTE: {}}
    )
    stamps: dict[str, str] = field(default_factory=dict)
    modified: dict[str, datetime] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """What each snapshot reports as problems."""
    problems_of_writes: list[str] = field(default_factory=list)
    """What the next :meth:`write_problems` answers (then forgotten)."""
    locked: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    fail_ids: set[str] = field(default_factory=set)
    listing: str = "complete"  # complete | incomplete | fail
    crash: Callable[[str, CrashPoint], None] | None = None
    call_error: SideError | None = None
    write_calls: int = 0
    delete_requests: int = 0
    verify_calls: list[list[str]] = field(default_factory=list)
    """The ids each :meth:`verify` call asked about, in order."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- test-side mutations (a user editing the app) -------------------------------------

    def user_put(self, kind: Kind, item_id: str | None, fields: Projection) -> str:
        """Create or replace an item as the user would (stored as the side holds it)."""
        item_id = item_id or f"{self.id_prefix}{next(self._ids)}"
        self.items[kind][item_id] = self._stored(kind, fields)
        self.modified[item_id] = tick()
        self.gone.discard(item_id)
        return item_id

    def user_delete(self, kind: Kind, item_id: str) -> None:
        del self.items[kind][item_id]
        self.gone.add(item_id)

    # --- the Side protocol ----------------------------------------------------------------

    def batch_size(self, kind: Kind) -> int:
        return self.batch

    def snapshot(self, kind: Kind) -> Snapshot:
        if self.listing == "fail":
            raise ListingError("listing failed (injected)", side=self.name)
        visible = {i: p for i, p in self.items[kind].items() if i not in self.locked}
        complete = self.listing == "complete"
        if not complete:
            visible = dict(list(visible.items())[: len(visible) // 2])
        return Snapshot(
            kind,
            visible,
            complete,
            frozenset(),
            {i: self.modified[i] for i in visible if i in self.modified},
            self.max_text_length,
            where={i: self.where[i] for i in visible if i in self.where},
            problems=tuple(self.problems),
        )

    def write_problems(self, kind: Kind) -> list[str]:
        problems, self.problems_of_writes = self.problems_of_writes, []
        return problems

    def _stored(self, kind: Kind, fields: Projection) -> Projection:
        return self.hold(kind, fields, self.zone) if self.hold else dict(fields)

    def _write(self, what: str, apply: Callable[[], list[Outcome]]) -> list[Outcome]:
        self.write_calls += 1
        if self.call_error is not None:
            raise self.call_error
        if self.crash:
            self.crash(f"{self.name}.{what}", "before")
        outcomes = apply()
        if self.crash:
            self.crash(f"{self.name}.{what}", "after")
        return outcomes

    def _new_id(self, kind: Kind, draft: Draft) -> str:
        """The id a create gives ``draft`` (an item already holding it is overwritten)."""
        return f"{self.id_prefix}{next(self._ids)}"

    def create(self, kind: Kind, drafts: Sequence[Draft]) -> list[Outcome]:
        assert len(drafts) <= self.batch

        def apply() -> list[Outcome]:
            outcomes: list[Outcome] = []
            for draft in drafts:
                text = draft.fields["text"]
                if self.max_text_length is not None and len(text) > self.max_text_length:
                    outcomes.append(Failed(None, ItemRejectedError("text too long")))
                    continue
                item_id = self._new_id(kind, draft)
                held = self._stored(kind, draft.fields)
                self.items[kind][item_id] = held
                self.modified[item_id] = tick()
                self.stamps[item_id] = draft.stamp
                self.gone.discard(item_id)
                outcomes.append(Written(item_id, held))
            return outcomes

        return self._write("create", apply)

    def _check(self, kind: Kind, item_id: str) -> Failed | None:
        if item_id in self.locked:
            return Failed(item_id, ItemLockedError("locked"))
        if item_id in self.fail_ids:
            return Failed(item_id, ItemRejectedError("rejected (injected)"))
        if item_id not in self.items[kind]:
            return Failed(item_id, ItemGoneError("not found"))
        return None

    def update(self, kind: Kind, changes: Sequence[Change]) -> list[Outcome]:
        assert len(changes) <= self.batch

        def apply() -> list[Outcome]:
            outcomes: list[Outcome] = []
            for change in changes:
                problem = self._check(kind, change.item_id)
                if problem:
                    outcomes.append(problem)
                    continue
                held = self._stored(kind, {**self.items[kind][change.item_id], **change.fields})
                self.items[kind][change.item_id] = held
                self.modified[change.item_id] = tick()
                outcomes.append(Written(change.item_id, held))
            return outcomes

        return self._write("update", apply)

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        assert len(item_ids) <= self.batch

        def apply() -> list[Outcome]:
            outcomes: list[Outcome] = []
            for item_id in item_ids:
                self.delete_requests += 1
                if item_id in self.gone:
                    outcomes.append(Written(item_id, None))
                    continue
                problem = self._check(kind, item_id)
                if problem:
                    outcomes.append(problem)
                elif mode is DeleteMode.DELETE:
                    self.user_delete(kind, item_id)
                    outcomes.append(Written(item_id, None))
                else:
                    held = {**self.items[kind][item_id], "done": True}
                    self.items[kind][item_id] = held
                    self.modified[item_id] = tick()
                    outcomes.append(Written(item_id, held))
            return outcomes

        return self._write("delete", apply)

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> dict[str, Presence]:
        self.verify_calls.append(list(item_ids))
        answer = {}
        for item_id in item_ids:
            if item_id in self.locked:
                answer[item_id] = Presence.LOCKED
            elif item_id in self.items[kind]:
                answer[item_id] = Presence.PRESENT
            else:
                answer[item_id] = Presence.GONE
        return answer

    def find_created(
        self, kind: Kind, drafts: Sequence[Draft], *, exclude: Collection[str] = frozenset()
    ) -> dict[str, Written]:
        """By stamp, or (``stores_stamps=False``, like Omi) by text; never an id in
        ``exclude``, and never one item for two drafts."""
        by_stamp = {stamp: item_id for item_id, stamp in self.stamps.items()}
        claimed = set(exclude)
        found = {}
        for draft in drafts:
            if self.stores_stamps:
                item_id = by_stamp.get(draft.stamp)
            else:
                texts = (
                    i
                    for i, p in self.items[kind].items()
                    if p["text"] == draft.fields["text"] and i not in claimed
                )
                item_id = next(texts, None)
            if item_id is not None and item_id in self.items[kind] and item_id not in claimed:
                claimed.add(item_id)
                found[draft.stamp] = Written(item_id, self.items[kind][item_id])
        return found
