"""``MarkdownSide``: a Markdown (Obsidian) vault as one side of a sync.

Tasks (:class:`~omisync.sync.links.Kind.TASK`) are Obsidian Tasks lines identified by a
trailing ``^omi-…`` block id; notes (``Kind.NOTE``) are memory notes identified by their
``omisync_id`` frontmatter key. Conversations flow one way each: the side accepts
conversation exports (one note per conversation, :attr:`MarkdownSide.conversations`) and has
an inbox (files sent to Omi, :attr:`MarkdownSide.inbox`), the two capabilities of
:mod:`omisync.conversations`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from omisync.conversations import (
    ConversationRecord,
    ExportResult,
    InboxItem,
    InboxListing,
    SentConversation,
)
from omisync.ratelimit import format_duration
from omisync.sync.links import Kind
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Outcome,
    Presence,
    SideError,
    Snapshot,
    Written,
)

from .cache import CacheFile
from .config import MarkdownOptions
from .conversation_store import ConversationExporter, Inbox
from .note_store import NoteStore
from .scanner import TaskSelection
from .task_store import TaskStore
from .vaultfs import VaultWriteError, sha256_hex

__all__ = ["MarkdownSide", "default_cache_file"]

_BATCH = 200
#: How many busy files a "being edited" problem names.
_BUSY_SHOWN = 5


def default_cache_file(state_dir: Path, name: str) -> Path:
    """Where connector ``name`` keeps its scan cache by default: ``<state_dir>/vault-cache/
    <name>.json`` (a name that is not a plain file name gets a safe form plus a short hash,
    so two connectors never share a file)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip(".") or "connector"
    if safe != name:
        safe += "-" + sha256_hex(name.encode())[:8]
    return state_dir / "vault-cache" / f"{safe}.json"


class MarkdownSide:
    """The vault side of a sync (implements :class:`omisync.sync.side.Side` and
    :class:`~omisync.sync.side.ReportsWriteProblems`, and the conversation capabilities
    :class:`~omisync.conversations.ConversationExportTarget` and
    :class:`~omisync.conversations.ConversationInbox`).

    It is also the connector factory the ``markdown`` entry point names: ``options_model``
    is its config schema and :meth:`from_settings` builds it from config keys.

    ``dry_run`` makes every write a no-op (reported as failed with "dry run") and stops the
    side from stamping anchors on new lines. ``zone`` is the user's time zone: it decides
    "today" for ✅ done dates and the day a timed Omi due falls on. ``state_dir`` is omisync's
    state folder: unless the options name a ``cache_file``, the scan cache is kept there, in
    one file per connector name (:func:`default_cache_file`), so a new process (``run --once``
    from a timer) reads only the notes that changed. With neither, the cache lives only as
    long as the side.
    """

    options_model = MarkdownOptions

    def __init__(
        self,
        name: str,
        options: MarkdownOptions,
        *,
        zone: tzinfo,
        dry_run: bool = False,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._name = name
        self.options = options
        root = options.path
        cache_path = options.cache_file
        if cache_path is None and state_dir is not None:
            cache_path = default_cache_file(state_dir, name)
        self.cache = CacheFile(cache_path)
        selection = TaskSelection(
            tasks_file=options.tasks_file,
            folders=options.task_folders,
            tag=options.task_tag,
            skip_folders=options.omisync_folders,
        )
        common: dict[str, Any] = {
            "zone": zone,
            "settle_seconds": options.settle_seconds,
            "clock": clock,
        }
        self.tasks = TaskStore(
            root,
            selection,
            tasks_heading=options.tasks_heading,
            import_done=options.import_done_tasks,
            dry_run=dry_run,
            cache=self.cache,
            **common,
        )
        self.notes = NoteStore(
            root, options.memories_folder, dry_run=dry_run, cache=self.cache, **common
        )
        self.conversations = ConversationExporter(root, options.conversations_folder, **common)
        self.inbox = Inbox(root, options.inbox_folder, **common)
        # How many of a store's problems its last snapshot (or write_problems) reported.
        self._reported: dict[Kind, int] = {}

    @classmethod
    def from_settings(
        cls,
        name: str,
        options: Mapping[str, Any],
        *,
        zone: tzinfo,
        dry_run: bool = False,
        state_dir: Path | None = None,
    ) -> MarkdownSide:
        """Build the side from a connector's own config keys (``state_dir``: see the class).

        Raises :class:`omisync.config.ConfigError` naming each bad key under
        ``connectors.<name>``.
        """
        parsed = MarkdownOptions.parse(options, ("connectors", name))
        return cls(name, parsed, zone=zone, dry_run=dry_run, state_dir=state_dir)

    @property
    def name(self) -> str:
        """The connector's configured name."""
        return self._name

    @property
    def problems(self) -> list[str]:
        """What the last listings could not use (unreadable notes, duplicate anchors, ...)."""
        return [*self.tasks.problems, *self.notes.problems]

    def _store(self, kind: Kind) -> TaskStore | NoteStore:
        return self.tasks if kind is Kind.TASK else self.notes

    def _being_edited(self, kind: Kind) -> list[str]:
        """One problem naming the notes the last listing left for the next cycle because
        they changed within the settle window (none when every note had settled)."""
        if kind is Kind.TASK:
            busy = sorted(self.tasks.last_scan.unsettled if self.tasks.last_scan else [])
        else:
            busy = sorted(self.notes.last_listing.unsettled)
        if not busy:
            return []
        recently = f"changed in the last {format_duration(self.options.settle_seconds)}"
        if len(busy) == 1:
            return [f"{busy[0]} is being edited ({recently}); read next cycle"]
        shown = ", ".join(busy[:_BUSY_SHOWN])
        more = f" and {len(busy) - _BUSY_SHOWN} more" if len(busy) > _BUSY_SHOWN else ""
        return [f"{len(busy)} files are being edited ({recently}); read next cycle: {shown}{more}"]

    def batch_size(self, kind: Kind) -> int:
        """Writes are grouped per file, so large batches are cheap."""
        return _BATCH

    def snapshot(self, kind: Kind) -> Snapshot:
        """List the vault's tasks or memory notes. ``complete`` is True only after a
        vault-wide scan that read (or had cached) every note. ``modified`` is each item's note
        modification time, ``where`` its vault-relative place (``Omi/Memories/Tea.md``, or
        ``Journal/2026-12-05.md:14`` for a task line). ``problems`` names the notes being
        edited (left for the next cycle) and what could not be used: unreadable notes,
        duplicate anchors or ids, a cache that could not be saved. Raises ListingError when
        the vault folder is missing."""
        store = self._store(kind)
        items, complete = store.snapshot()
        self._reported[kind] = len(store.problems)
        return Snapshot(
            kind=kind,
            items=items,
            complete=complete,
            modified=store.modified(),
            where=store.places(),
            problems=(*self._being_edited(kind), *store.problems),
        )

    def write_problems(self, kind: Kind) -> list[str]:
        """What writes of ``kind`` could not do since the last snapshot or call, e.g. a
        recurring task ticked from Omi whose recurrence omisync cannot advance."""
        problems = self._store(kind).problems
        start = self._reported.get(kind, len(problems))
        self._reported[kind] = len(problems)
        return problems[start:]

    def create(self, kind: Kind, drafts: Sequence[Draft]) -> list[Outcome]:
        """New tasks go under the tasks heading of the tasks file; new memories become notes."""
        return self._store(kind).create(drafts)

    def update(self, kind: Kind, changes: Sequence[Change]) -> list[Outcome]:
        """Change only the owned tokens of each task line, or the note's keys and body."""
        return self._store(kind).update(changes)

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Remove the task line (or tick it, with COMPLETE); move a note to ``.trash``."""
        return self._store(kind).delete(item_ids, complete=mode is DeleteMode.COMPLETE)

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> Mapping[str, Presence]:
        """GONE for ids a vault-wide scan found nowhere; raises SideError if not vault-wide."""
        return self._store(kind).verify(item_ids)

    def find_created(
        self, kind: Kind, drafts: Sequence[Draft], *, exclude: Collection[str] = frozenset()
    ) -> Mapping[str, Written]:
        """Items a crashed run created, found by the anchor derived from each draft's stamp
        (unique, so an id in ``exclude`` is simply not returned)."""
        found = self._store(kind).find_created(drafts)
        return {stamp: w for stamp, w in found.items() if w.item_id not in exclude}

    def export_conversations(self, conversations: Sequence[ConversationRecord]) -> ExportResult:
        """Write or refresh one note per conversation in the conversations folder; only the
        generated region of an existing note changes. Sent inbox files then get a wiki-link to
        the note of the conversation they became."""
        result = self.conversations.export(conversations)
        result.problems.extend(self.inbox.link_notes(self.conversations.notes()))
        return result

    def inbox_pending(self) -> InboxListing:
        """The settled files of the inbox folder (``.md``/``.txt``), as text or transcript."""
        return self.inbox.pending()

    def inbox_mark_sent(self, item: InboxItem, sent: SentConversation) -> str:
        """Note the conversation in the file and move it to the inbox's ``Sent/`` folder.

        Raises SideError when the file cannot be updated or moved (it stays in the inbox).
        """
        try:
            return self.inbox.mark_sent(item, sent)
        except VaultWriteError as error:
            raise SideError(str(error), side=self._name) from error
