"""Memory notes of a vault as synced items: each note's ``omisync_id`` is one item.

:class:`NoteStore` lists the notes of the memories folder (re-reading only changed ones),
stamps an ``omisync_id`` into a note the user wrote (so a rename keeps its identity), and
applies the engine's writes. A deleted memory's note is moved to the vault's ``.trash``
folder, never destroyed. A note longer than Omi's limit is listed as it is; the engine refuses
it and reports it (it is never truncated). The index of notes (each note's stamp and what it
holds) can be kept in the connector's :class:`~.cache.CacheFile`, so a new process reads only
notes that changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final

from omisync.sync.links import Projection
from omisync.sync.records import RecordError, note_projection
from omisync.sync.side import (
    Change,
    Draft,
    Failed,
    ItemGoneError,
    ItemRejectedError,
    ListingError,
    Outcome,
    Presence,
    SideError,
    TransientError,
    Written,
)

from .anchors import new_anchor
from .cache import CacheFile
from .memories import (
    MemoryNote,
    NoteFormatError,
    memory_file_name,
    parse_memory_note,
    render_memory_note,
    update_memory_note,
)
from .task_store import anchor_for_stamp
from .vaultfs import FileStamp, VaultWriteError, VaultWriter, is_settling, read_stamped

__all__ = ["NoteListing", "NoteStore", "memory_to_projection"]

#: The note index's section of the cache file, and its format version (bump on a change).
CACHE_SECTION: Final = "notes"
_CACHE_VERSION: Final = 1
_CACHED_FIELDS: Final = ("content", "note_id", "category", "tags", "visibility", "created",
                         "updated")  # fmt: skip


def memory_to_projection(memory: MemoryNote) -> Projection:
    """The canonical projection of a memory note. Raises RecordError on a bad value."""
    return note_projection(
        memory.content, memory.category, memory.tags, memory.visibility or "private"
    )


@dataclass(slots=True)
class _Entry:
    stamp: FileStamp
    memory: MemoryNote | None
    error: str | None = None

    def dump(self) -> list[Any]:
        """The entry as JSON data (the note's unknown frontmatter keys are not kept: every
        write re-reads the note)."""
        memory = None
        if self.memory is not None:
            memory = {k: v for k, v in asdict(self.memory).items() if k in _CACHED_FIELDS}
        return [self.stamp.mtime_ns, self.stamp.size, self.stamp.sha256, memory, self.error]

    @classmethod
    def load(cls, value: Any) -> _Entry:
        """The entry :meth:`dump` gave. Raises ValueError, TypeError or KeyError on other data."""
        mtime, size, digest, memory, error = value
        note = None
        if memory is not None:
            fields = {k: memory[k] for k in _CACHED_FIELDS}
            note = MemoryNote(**{**fields, "tags": tuple(map(str, fields["tags"]))})
        return cls(FileStamp(int(mtime), int(size), str(digest)), note, error)


@dataclass(slots=True)
class NoteListing:
    """The figures of one listing of the memories folder: notes stat'ed and read, and the
    notes modified too recently to read (being edited; read next cycle)."""

    files_statted: int = 0
    files_read: int = 0
    unsettled: list[str] = field(default_factory=list)


class NoteStore:
    """The memory notes of one folder, by ``omisync_id``."""

    def __init__(
        self,
        root: Path,
        folder: str,
        *,
        zone: tzinfo,
        settle_seconds: float = 0.0,
        dry_run: bool = False,
        cache: CacheFile | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.folder = folder
        self.zone = zone
        self.settle_seconds = settle_seconds
        self.dry_run = dry_run
        self.clock = clock
        self.cache = cache or CacheFile(None)
        self.writer = VaultWriter(settle_seconds, clock)
        self.problems: list[str] = []
        self.last_listing = NoteListing()
        """The last listing's figures."""
        self._cache: dict[str, _Entry] = self._restore()
        self._where: dict[str, str] = {}
        self._complete = False
        self._scanned = False

    def _cache_key(self) -> str:
        return f"{_CACHE_VERSION}:{self.root.resolve()}:{self.folder}"

    def _restore(self) -> dict[str, _Entry]:
        payload = self.cache.section(CACHE_SECTION, self._cache_key())
        try:
            return {str(rel): _Entry.load(value) for rel, value in (payload or {}).items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _save(self) -> None:
        payload = {rel: entry.dump() for rel, entry in self._cache.items()}
        try:
            self.cache.store(CACHE_SECTION, self._cache_key(), payload)
        except OSError as error:
            self.problems.append(f"{self.cache.path}: note cache not saved ({error.strerror})")

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), self.zone).isoformat(timespec="seconds")

    def _files(self) -> list[str]:
        base = self.root / self.folder
        found: list[str] = []
        for directory, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel_dir = Path(directory).relative_to(self.root).as_posix()
            found += [f"{rel_dir}/{f}" for f in sorted(files) if f.endswith(".md") and f[0] != "."]
        return found

    def snapshot(self) -> tuple[dict[str, Projection], bool]:
        """List the memory notes: (omisync_id → projection, complete). Raises ListingError
        when the vault folder is missing."""
        if not self.root.is_dir():
            raise ListingError(f"the vault folder {self.root} does not exist; check 'path'")
        self.problems = []
        self.last_listing = NoteListing()
        complete = True
        seen: dict[str, _Entry] = {}
        for rel in self._files():
            entry = self._load(rel)
            if entry is None:
                complete = False
                if rel in self._cache:
                    seen[rel] = self._cache[rel]
                continue
            seen[rel] = entry
        self._cache = seen
        items: dict[str, Projection] = {}
        self._where = {}
        for rel, entry in seen.items():
            if entry.error is not None or entry.memory is None:
                self.problems.append(entry.error or f"{rel}: unreadable")
                complete = False
                continue
            memory = entry.memory
            if not memory.content.strip():
                self.problems.append(f"{rel}: the note is empty; it is not synced")
                continue
            if memory.note_id is None:
                if not self._stamp_new(rel, entry):
                    continue
                stamped = self._cache[rel].memory
                assert stamped is not None
                memory = stamped
            note_id = memory.note_id
            assert note_id is not None
            if note_id in self._where:
                self.problems.append(
                    f"{rel}: omisync_id {note_id} is also in {self._where[note_id]}; "
                    "remove the line 'omisync_id' from the copy to make it a new memory"
                )
                continue
            try:
                items[note_id] = memory_to_projection(memory)
            except RecordError as error:
                self.problems.append(f"{rel}: {error}")
                complete = False
                continue
            self._where[note_id] = rel
        self._complete = complete
        self._scanned = True
        if not self.dry_run:
            self._save()
        return items, complete

    def modified(self) -> dict[str, datetime]:
        """omisync_id → when its note last changed."""
        return {
            note_id: datetime.fromtimestamp(self._cache[rel].stamp.mtime_ns / 1e9, UTC)
            for note_id, rel in self._where.items()
            if rel in self._cache
        }

    def places(self) -> dict[str, str]:
        """omisync_id → its note's vault-relative path."""
        return dict(self._where)

    def _load(self, rel: str) -> _Entry | None:
        """The cached or freshly read note; None when it is busy or unreadable right now."""
        path = self.root / rel
        try:
            st = path.stat()
            self.last_listing.files_statted += 1
            cached = self._cache.get(rel)
            if cached is not None and cached.stamp.same_stat(st):
                return cached
            if is_settling(st.st_mtime_ns, self.clock(), self.settle_seconds):
                self.last_listing.unsettled.append(rel)
                return None
            data, stamp = read_stamped(path)
        except OSError as error:
            self.problems.append(f"{path}: cannot be read ({error.strerror})")
            return None
        self.last_listing.files_read += 1
        try:
            return _Entry(stamp, parse_memory_note(data, str(path)))
        except NoteFormatError as error:
            return _Entry(stamp, None, str(error))

    def _stamp_new(self, rel: str, entry: _Entry) -> bool:
        """Give a note the user wrote its omisync_id. False when it cannot be written now."""
        if self.dry_run or entry.memory is None:
            return False
        memory = replace(entry.memory, note_id=new_anchor(), created=entry.memory.created)
        return self._write(rel, memory, entry.stamp) is None

    def _write(self, rel: str, memory: MemoryNote, expected: FileStamp | None) -> str | None:
        """Write ``memory`` to ``rel``; None on success, else why not."""
        path = self.root / rel
        try:
            if expected is None:
                data = render_memory_note(memory)
            else:
                current, stamp = read_stamped(path)
                if stamp.sha256 != expected.sha256:
                    return f"{path}: changed since it was read; retrying next cycle"
                data = update_memory_note(current, memory, str(path))
            new = self.writer.write(path, data, expected=expected)
        except (VaultWriteError, NoteFormatError) as error:
            self.problems.append(str(error))
            return str(error)
        except OSError as error:
            return f"{path}: {error.strerror}"
        self._cache[rel] = _Entry(new, parse_memory_note(data, str(path)))
        return None

    def _memory(self, note_id: str) -> tuple[str, _Entry] | None:
        rel = self._where.get(note_id)
        if rel is None or rel not in self._cache or self._cache[rel].memory is None:
            return None
        return rel, self._cache[rel]

    def _written(self, note_id: str) -> Outcome:
        found = self._memory(note_id)
        if found is None or found[1].memory is None:
            return Failed(note_id, ItemGoneError(f"memory note {note_id} is not in the vault"))
        return Written(note_id, memory_to_projection(found[1].memory))

    def _require_snapshot(self) -> None:
        if not self._scanned:
            self.snapshot()

    def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Write one new note per draft (a draft already written by a crashed run is reused)."""
        self._require_snapshot()
        taken = {Path(rel).name for rel in self._cache}
        outcomes: list[Outcome] = []
        for draft in drafts:
            note_id = anchor_for_stamp(draft.stamp)
            if note_id in self._where:
                outcomes.append(self._written(note_id))
                continue
            try:
                memory = _apply(MemoryNote(content="", note_id=note_id), draft.fields)
            except RecordError as error:
                outcomes.append(Failed(None, ItemRejectedError(str(error))))
                continue
            memory = replace(memory, created=self._now())
            if self.dry_run:
                outcomes.append(Failed(None, TransientError("dry run: nothing written")))
                continue
            name = memory_file_name(memory.content, taken)
            taken.add(name)
            rel = f"{self.folder}/{name}"
            why = self._write(rel, memory, None)
            if why:
                outcomes.append(Failed(None, TransientError(why)))
                continue
            self._where[note_id] = rel
            outcomes.append(self._written(note_id))
        return outcomes

    def update(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply each change to its note's frontmatter or body; one outcome per change."""
        self._require_snapshot()
        outcomes: list[Outcome] = []
        for change in changes:
            found = self._memory(change.item_id)
            if found is None:
                outcomes.append(self._written(change.item_id))
                continue
            rel, entry = found
            assert entry.memory is not None
            try:
                memory = replace(_apply(entry.memory, change.fields), updated=self._now())
            except RecordError as error:
                outcomes.append(Failed(change.item_id, ItemRejectedError(str(error))))
                continue
            if self.dry_run:
                outcomes.append(Failed(change.item_id, TransientError("dry run: nothing written")))
                continue
            why = self._write(rel, memory, entry.stamp)
            outcomes.append(
                Failed(change.item_id, TransientError(why))
                if why
                else self._written(change.item_id)
            )
        return outcomes

    def delete(self, item_ids: Sequence[str], complete: bool) -> list[Outcome]:
        """Move each note to the vault's ``.trash`` folder (``complete`` keeps it: a memory
        cannot be completed). A note already gone counts as deleted."""
        self._require_snapshot()
        outcomes: list[Outcome] = []
        for note_id in item_ids:
            found = self._memory(note_id)
            if found is None:
                outcomes.append(Written(note_id, None))
            elif complete:
                outcomes.append(self._written(note_id))
            elif self.dry_run:
                outcomes.append(Failed(note_id, TransientError("dry run: nothing written")))
            else:
                outcomes.append(self._trash(note_id, found[0]))
        return outcomes

    def _trash(self, note_id: str, rel: str) -> Outcome:
        trash = self.root / ".trash"
        target = trash / Path(rel).name
        counter = 2
        while target.exists():
            target = trash / f"{Path(rel).stem} {counter}.md"
            counter += 1
        try:
            trash.mkdir(exist_ok=True)
            os.replace(self.root / rel, target)
        except OSError as error:
            return Failed(note_id, TransientError(f"{rel}: cannot be moved to .trash ({error})"))
        self._cache.pop(rel, None)
        self._where.pop(note_id, None)
        return Written(note_id, None)

    def verify(self, item_ids: Sequence[str]) -> dict[str, Presence]:
        """Gone for an id the last complete listing did not find; SideError otherwise."""
        self._require_snapshot()
        if not self._complete:
            raise SideError("the memories folder was not fully read; nothing is taken as deleted")
        return {i: Presence.PRESENT if i in self._where else Presence.GONE for i in item_ids}

    def find_created(self, drafts: Sequence[Draft]) -> dict[str, Written]:
        """Drafts a crashed run already wrote, found by their stamp's id."""
        self._require_snapshot()
        found: dict[str, Written] = {}
        for draft in drafts:
            outcome = self._written(anchor_for_stamp(draft.stamp))
            if isinstance(outcome, Written):
                found[draft.stamp] = outcome
        return found


def _apply(memory: MemoryNote, fields: Mapping[str, Any]) -> MemoryNote:
    """``memory`` with the given projection fields set. Raises RecordError on a bad value."""
    updates: dict[str, Any] = {}
    if "text" in fields:
        if not isinstance(fields["text"], str):
            raise RecordError("note.text: expected text")
        updates["content"] = fields["text"].strip()
    if "category" in fields:
        updates["category"] = fields["category"]
    if "tags" in fields:
        updates["tags"] = tuple(fields["tags"] or ())
    if "visibility" in fields:
        updates["visibility"] = fields["visibility"]
    return replace(memory, **updates)
