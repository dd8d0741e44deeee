"""Conversations one way each: Omi → conversation notes, inbox files → Omi.

:class:`ConversationExporter` writes one note per conversation into the conversations folder,
finding an existing note by its ``omi_conversation`` frontmatter key (so the user may rename
it) and rewriting only its generated region, only when the conversation changed.

:class:`Inbox` lists the files dropped into the inbox folder (once they have settled) as
:class:`InboxItem` values, and moves each one into ``Sent/`` with the id of the conversation it
became. ``InboxItem.key`` is stable for a file's path and content: use it as the
``client_session_id`` of ``from-segments`` and as the journal key, so a crash between sending
and moving never sends a file twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from .conversations import ConversationNote, conversation_file_name, write_conversation_note
from .document import NoteText
from .frontmatter import FrontmatterError, read_frontmatter, update_frontmatter
from .inbox import InboxText, InboxTranscript, parse_inbox
from .regions import RegionError
from .vaultfs import FileStamp, VaultWriteError, atomic_write, is_settling, read_stamped, sha256_hex

__all__ = ["ConversationExporter", "ExportReport", "Inbox", "InboxItem"]


@dataclass(slots=True)
class ExportReport:
    """What one export did: notes written (vault-relative), unchanged count, problems."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _notes(
    root: Path, folder: str, skip: str | None = None, suffixes: tuple[str, ...] = (".md",)
) -> list[str]:
    """Vault-relative paths of the files under ``folder`` (hidden ones and ``skip`` left out)."""
    base = root / folder
    found: list[str] = []
    for directory, dirs, files in os.walk(base):
        rel_dir = Path(directory).relative_to(root).as_posix()
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and f"{rel_dir}/{d}" != skip)
        found += [f"{rel_dir}/{f}" for f in sorted(files) if f.endswith(suffixes) and f[0] != "."]
    return found


class ConversationExporter:
    """Writes conversation notes; the index of existing notes is cached by file stat."""

    def __init__(
        self,
        root: Path,
        folder: str,
        *,
        zone: tzinfo,
        settle_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.folder = folder
        self.zone = zone
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._index: dict[str, tuple[FileStamp, str | None]] = {}

    def _existing(self, report: ExportReport) -> dict[str, str]:
        """conversation id → vault-relative note path."""
        index: dict[str, tuple[FileStamp, str | None]] = {}
        for rel in _notes(self.root, self.folder):
            try:
                cached = self._index.get(rel)
                if cached is not None and cached[0].same_stat((self.root / rel).stat()):
                    index[rel] = cached
                    continue
                data, stamp = read_stamped(self.root / rel)
                front = read_frontmatter(NoteText.decode(data), rel)
            except (OSError, FrontmatterError) as error:
                report.problems.append(f"{rel}: {error}")
                continue
            conversation = front.get("omi_conversation")
            index[rel] = (stamp, str(conversation) if conversation is not None else None)
        self._index = index
        return {cid: rel for rel, (_, cid) in sorted(index.items()) if cid is not None}

    def export(self, conversations: Iterable[ConversationNote]) -> ExportReport:
        """Write a note for each conversation that is new or changed. Never raises for one
        note: a busy, changed or damaged note is listed in ``problems`` and retried later."""
        report = ExportReport()
        existing = self._existing(report)
        taken = {Path(rel).name for rel in self._index}
        for conversation in conversations:
            rel = existing.get(conversation.omi_id)
            try:
                if rel is None:
                    name = conversation_file_name(conversation, taken, self.zone)
                    taken.add(name)
                    rel = f"{self.folder}/{name}"
                    data = write_conversation_note(None, conversation, rel, self.zone)
                    expected = None
                else:
                    current, expected = read_stamped(self.root / rel)
                    data = write_conversation_note(current, conversation, rel, self.zone)
                if data is None:
                    report.unchanged += 1
                    continue
                stamp = atomic_write(
                    self.root / rel,
                    data,
                    expected=expected,
                    settle_seconds=self.settle_seconds,
                    clock=self.clock,
                )
            except (VaultWriteError, RegionError, FrontmatterError) as error:
                report.problems.append(str(error))
                continue
            except OSError as error:
                report.problems.append(f"{rel}: {error.strerror}")
                continue
            self._index[rel] = (stamp, conversation.omi_id)
            existing[conversation.omi_id] = rel
            report.written.append(rel)
        return report


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A file waiting in the inbox: its vault-relative path, a stable key, and its content."""

    path: str
    key: str
    payload: InboxText | InboxTranscript


class Inbox:
    """The inbox folder: files to send to Omi as conversations, each exactly once."""

    def __init__(
        self,
        root: Path,
        folder: str,
        *,
        zone: tzinfo,
        settle_seconds: float = 0.0,
        user_names: Iterable[str] = ("me", "i"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.folder = folder
        self.sent_folder = f"{folder}/Sent"
        self.zone = zone
        self.settle_seconds = settle_seconds
        self.user_names = tuple(user_names)
        self.clock = clock
        self.problems: list[str] = []

    def pending(self) -> list[InboxItem]:
        """Settled, non-empty files in the inbox (not in ``Sent/``), oldest name first."""
        self.problems = []
        items: list[InboxItem] = []
        for rel in _notes(self.root, self.folder, self.sent_folder, (".md", ".txt")):
            try:
                st = (self.root / rel).stat()
                if is_settling(st.st_mtime_ns, self.clock(), self.settle_seconds):
                    continue
                data, stamp = read_stamped(self.root / rel)
            except OSError as error:
                self.problems.append(f"{rel}: cannot be read ({error.strerror})")
                continue
            payload = parse_inbox(data, self.user_names)
            if isinstance(payload, InboxText) and not payload.text:
                self.problems.append(f"{rel}: the file is empty; write something or remove it")
                continue
            key = sha256_hex(f"{rel}\0{stamp.sha256}".encode())[:40]
            items.append(InboxItem(rel, key, payload))
        return items

    def mark_sent(self, item: InboxItem, conversation_id: str) -> str:
        """Move the file into ``Sent/``, noting which conversation it became.

        Returns the new vault-relative path. Raises VaultWriteError when the file cannot be
        updated or moved (it then stays in the inbox; the caller's journal knows it was sent).
        """
        source = self.root / item.path
        try:
            data, stamp = read_stamped(source)
        except OSError as error:
            raise VaultWriteError(source, f"cannot be read ({error.strerror})") from error
        note = NoteText.decode(data)
        when = datetime.fromtimestamp(self.clock(), self.zone).isoformat(timespec="seconds")
        try:
            update_frontmatter(
                note, {"omi_conversation": conversation_id, "sent_to_omi": when}, item.path
            )
        except FrontmatterError:
            note.insert_lines(len(note.lines), ["", f"Sent to Omi: conversation {conversation_id}"])
        atomic_write(source, note.encode(), expected=stamp)
        target_dir = self.root / self.sent_folder
        target = target_dir / source.name
        counter = 2
        while target.exists():
            target = target_dir / f"{source.stem} {counter}{source.suffix}"
            counter += 1
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except OSError as error:
            raise VaultWriteError(source, f"cannot be moved to {target_dir} ({error})") from error
        return target.relative_to(self.root).as_posix()
