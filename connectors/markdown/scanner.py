"""Finding the synced task lines of a vault without re-reading unchanged files.

:class:`VaultScanner` walks every note of the vault, stats each one, and reads only notes whose
(mtime, size) differs from its cache (which keeps each note's stamp and selected task lines and
can be saved between runs). A task line is selected when it carries a live omisync anchor
(anywhere: anchors travel with moved lines), or when it is in the tasks file, in a chosen
folder, or carries the chosen tag.

A scan is *vault-wide* only when every note was accounted for: read now, or unchanged since it
was cached. Only then may a missing anchor be taken as a deletion.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

from .anchors import is_history_anchor, is_live_anchor
from .cache import CacheFile
from .document import NoteText
from .taskline import TaskLine, parse_task_line
from .vaultfs import FileStamp, is_settling, read_stamped, sha256_hex

__all__ = ["FoundTask", "ScanResult", "TaskSelection", "VaultScanner", "in_folder"]

#: Bump when what a scan selects changes (a cache made by older code would keep its choices
#: for every unchanged note). 2: comment markers inside inline code spans are text.
_CACHE_VERSION: Final = 2
#: The scan's section of the connector's cache file.
CACHE_SECTION: Final = "tasks"


def in_folder(path: str, folder: str) -> bool:
    """True when the vault-relative ``path`` is inside the vault-relative ``folder``."""
    folder = folder.strip("/")
    return not folder or PurePosixPath(path).is_relative_to(folder)


def _has_tag(task: TaskLine, tag: str) -> bool:
    wanted = tag.lower()
    return any(t.lower() == wanted or t.lower().startswith(wanted + "/") for t in task.tags)


@dataclass(frozen=True, slots=True)
class TaskSelection:
    """Which task lines sync; paths are vault-relative with ``/``.

    ``skip_folders`` are never scanned for tasks (omisync's own memory, conversation and inbox
    folders). Hidden files and folders (``.obsidian``, ``.trash``) are always skipped.
    """

    tasks_file: str
    folders: tuple[str, ...] = ()
    tag: str | None = None
    skip_folders: tuple[str, ...] = ()

    def selects(self, path: str, task: TaskLine) -> bool:
        """True when ``task`` on a line of ``path`` is synced (a history copy never is)."""
        if is_live_anchor(task.block_id):
            return True
        if is_history_anchor(task.block_id):
            return False
        return (
            path == self.tasks_file
            or any(in_folder(path, folder) for folder in self.folders)
            or (self.tag is not None and _has_tag(task, self.tag))
        )

    def fingerprint(self) -> str:
        """A short hash of this selection (a cache made for another selection is dropped)."""
        text = json.dumps([self.tasks_file, self.folders, self.tag, self.skip_folders])
        return sha256_hex(text.encode())[:16]


@dataclass(frozen=True, slots=True)
class FoundTask:
    """A selected task line: the note's vault-relative path, the line index, and the line."""

    path: str
    index: int
    line: str

    @property
    def task(self) -> TaskLine:
        """The parsed line (always a task line: only task lines are found)."""
        parsed = parse_task_line(self.line)
        if parsed is None:  # pragma: no cover - found lines are task lines by construction
            raise AssertionError(f"{self.path}:{self.index + 1} is not a task line")
        return parsed


@dataclass(slots=True)
class _Entry:
    stamp: FileStamp
    lines: tuple[tuple[int, str], ...]


@dataclass(slots=True)
class ScanResult:
    """One scan of the vault.

    ``vault_wide`` is True only when every note was accounted for. ``unsettled`` lists notes
    modified less than ``settle_seconds`` ago that changed since the cache (their cached tasks,
    if any, are reported; they are read next cycle). ``problems`` names unreadable paths.
    """

    tasks: list[FoundTask]
    stamps: dict[str, FileStamp]
    files_statted: int = 0
    files_read: int = 0
    unsettled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    vault_wide: bool = True
    seconds: float = 0.0


class VaultScanner:
    """Scans a vault for selected task lines, reading only notes that changed.

    ``settle_seconds``: a note modified more recently than this is not read yet (it may be
    half-saved by an editor or a sync tool). ``clock`` returns the current time in seconds.
    """

    def __init__(
        self,
        root: Path,
        selection: TaskSelection,
        *,
        settle_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.selection = selection
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._cache: dict[str, _Entry] = {}

    def _notes(self, result: ScanResult) -> Iterator[tuple[str, os.DirEntry[str]]]:
        """Every note (``*.md``) under the root, skipping hidden and skipped folders."""
        skip = {folder.strip("/") for folder in self.selection.skip_folders}
        pending = [(self.root, "")]
        while pending:
            directory, prefix = pending.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError as error:
                result.problems.append(f"{directory}: cannot be listed ({error.strerror})")
                result.vault_wide = False
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel not in skip:
                        pending.append((Path(entry.path), rel + "/"))
                elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
                    yield rel, entry

    def scan(self) -> ScanResult:
        """Walk the vault once and return the selected tasks. Never raises for one bad note:
        an unreadable note is listed in ``problems`` and makes the scan not vault-wide."""
        started = time.perf_counter()
        result = ScanResult(tasks=[], stamps={})
        seen: dict[str, _Entry] = {}
        now = self.clock()
        for rel, entry in self._notes(result):
            cached = self._cache.get(rel)
            try:
                st = entry.stat(follow_symlinks=False)
                result.files_statted += 1
                if cached is not None and cached.stamp.same_stat(st):
                    seen[rel] = cached
                    continue
                if is_settling(st.st_mtime_ns, now, self.settle_seconds):
                    result.unsettled.append(rel)
                    result.vault_wide = False
                    if cached is not None:
                        seen[rel] = cached
                    continue
                data, stamp = read_stamped(Path(entry.path))
            except OSError as error:
                result.problems.append(f"{entry.path}: cannot be read ({error.strerror})")
                result.vault_wide = False
                if cached is not None:
                    seen[rel] = cached
                continue
            result.files_read += 1
            seen[rel] = _Entry(stamp, self._select(rel, data))
        self._cache = seen
        result.tasks = self.cached_tasks()
        result.stamps = self.stamps()
        result.seconds = time.perf_counter() - started
        return result

    def _select(self, rel: str, data: bytes) -> tuple[tuple[int, str], ...]:
        note = NoteText.decode(data)
        return tuple(
            (index, task.line) for index, task in note.tasks() if self.selection.selects(rel, task)
        )

    def cached_tasks(self) -> list[FoundTask]:
        """The selected tasks as of the last scan plus what :meth:`remember` recorded since."""
        return [
            FoundTask(rel, index, line)
            for rel, entry in sorted(self._cache.items())
            for index, line in entry.lines
        ]

    def stamps(self) -> dict[str, FileStamp]:
        """The stamp of every note holding a selected task, as of the cache."""
        return {rel: entry.stamp for rel, entry in self._cache.items() if entry.lines}

    def remember(self, rel: str, stamp: FileStamp, data: bytes) -> None:
        """Record what omisync itself just wrote to ``rel`` so the next scan need not read it."""
        self._cache[rel] = _Entry(stamp, self._select(rel, data))

    def cache_key(self) -> str:
        """What this scanner's cache is valid for: the format, the vault and the selection."""
        return f"{_CACHE_VERSION}:{self.root.resolve()}:{self.selection.fingerprint()}"

    def dump_cache(self) -> dict[str, Any]:
        """The cache as plain JSON data (see :meth:`restore_cache`)."""
        return {
            rel: [e.stamp.mtime_ns, e.stamp.size, e.stamp.sha256, [list(x) for x in e.lines]]
            for rel, e in self._cache.items()
        }

    def restore_cache(self, payload: Any) -> bool:
        """Start from a cache :meth:`dump_cache` made. Returns False (and starts cold) when
        ``payload`` is not such a cache."""
        try:
            self._cache = {
                rel: _Entry(
                    FileStamp(int(mtime), int(size), str(digest)),
                    tuple((int(index), str(line)) for index, line in lines),
                )
                for rel, (mtime, size, digest, lines) in payload.items()
            }
        except (ValueError, TypeError, AttributeError):
            self._cache = {}
            return False
        return True

    def save_cache(self, path: Path) -> None:
        """Write the cache to ``path`` (atomically), for the next process to start warm."""
        CacheFile(path).store(CACHE_SECTION, self.cache_key(), self.dump_cache())

    def load_cache(self, path: Path) -> bool:
        """Load a cache saved by :meth:`save_cache`. Returns False (and starts cold) when the
        file is missing, unreadable, or was made for another vault or selection."""
        return self.restore_cache(CacheFile(path).section(CACHE_SECTION, self.cache_key()))
