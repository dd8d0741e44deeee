"""Conversations one way each: Omi → conversation notes, inbox files → Omi.

:class:`ConversationExporter` writes one note per conversation into the conversations folder,
finding an existing note by its ``omi_conversation`` frontmatter key (so the user may rename
it) and rewriting only its generated region, only when the conversation changed.

:class:`Inbox` lists the files dropped into the inbox folder (once they have settled) as
:class:`~omisync.conversations.InboxItem` values, and moves each one into ``Sent/`` with the id
of the conversation it became; once that conversation's note is exported, the sent file also
gets a wiki-link to it (``conversation_note: "[[Omi/Conversations/…]]"``).

``InboxItem.key`` is stable for a file's path and content: the conversation flow uses it as the
``client_session_id`` of ``from-segments`` and as the journal stamp, so a crash between sending
and moving never sends a file twice. A file whose frontmatter already says it was sent
(``sent_to_omi``: a move that was interrupted) is listed with ``sent`` set, so it is only moved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from omisync.conversations import (
    ConversationRecord,
    ExportResult,
    InboxItem,
    InboxListing,
    InboxText,
    SentConversation,
)

from .conversations import conversation_file_name, write_conversation_note
from .document import NoteText
from .frontmatter import FrontmatterError, read_frontmatter, update_frontmatter
from .inbox import parse_inbox
from .regions import RegionError
from .vaultfs import (
    FileStamp,
    VaultWriteError,
    VaultWriter,
    atomic_write,
    is_settling,
    read_stamped,
    sha256_hex,
)

__all__ = ["DISCARDED_NOTE", "NOTE_LINK_KEY", "ConversationExporter", "Inbox"]

#: The frontmatter key of a sent inbox file that links to its conversation's note.
NOTE_LINK_KEY = "conversation_note"

#: What a sent file's frontmatter says when Omi discarded the conversation made of it.
DISCARDED_NOTE = (
    "Omi discarded this conversation (it found nothing worth keeping), so it does not show "
    "in your conversations"
)


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
        self.writer = VaultWriter(settle_seconds, clock)

    def _existing(self, result: ExportResult) -> dict[str, str]:
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
                result.problems.append(f"{rel}: {error}")
                continue
            conversation = front.get("omi_conversation")
            index[rel] = (stamp, str(conversation) if conversation is not None else None)
        self._index = index
        return {cid: rel for rel, (_, cid) in sorted(index.items()) if cid is not None}

    def export(self, conversations: Iterable[ConversationRecord]) -> ExportResult:
        """Write a note for each conversation that is new or changed; return the outcome per
        conversation id. Never raises for one note: a busy, changed or damaged note is in
        ``failed`` (retried later), an unreadable note of the folder in ``problems``."""
        result = ExportResult()
        existing = self._existing(result)
        taken = {Path(rel).name for rel in self._index}
        for conversation in conversations:
            rel = existing.get(conversation.id)
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
                    result.unchanged.add(conversation.id)
                    continue
                stamp = self.writer.write(self.root / rel, data, expected=expected)
            except (VaultWriteError, RegionError, FrontmatterError) as error:
                result.failed[conversation.id] = str(error)
                continue
            except OSError as error:
                result.failed[conversation.id] = f"{rel}: {error.strerror}"
                continue
            self._index[rel] = (stamp, conversation.id)
            existing[conversation.id] = rel
            result.written[conversation.id] = rel
        return result

    def notes(self) -> dict[str, str]:
        """conversation id → vault-relative path of its note, as of the last export."""
        return {cid: rel for rel, (_, cid) in self._index.items() if cid is not None}


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

    def pending(self) -> InboxListing:
        """Settled, non-empty files in the inbox (not in ``Sent/``), oldest name first, a
        problem for each file that cannot be used, and a note counting the files modified too
        recently to send (being edited). Never raises for one file."""
        problems: list[str] = []
        items: list[InboxItem] = []
        busy = 0
        for rel in _notes(self.root, self.folder, self.sent_folder, (".md", ".txt")):
            try:
                st = (self.root / rel).stat()
                if is_settling(st.st_mtime_ns, self.clock(), self.settle_seconds):
                    busy += 1
                    continue
                data, stamp = read_stamped(self.root / rel)
            except OSError as error:
                problems.append(f"{rel}: cannot be read ({error.strerror})")
                continue
            payload = parse_inbox(data, self.user_names)
            if isinstance(payload, InboxText) and not payload.text:
                problems.append(f"{rel}: the file is empty; write something or remove it")
                continue
            key = sha256_hex(f"{rel}\0{stamp.sha256}".encode())[:40]
            items.append(InboxItem(rel, key, payload, _already_sent(NoteText.decode(data), rel)))
        notes = (f"{busy} inbox {'file is' if busy == 1 else 'files are'} being edited; "
                 "sent next cycle",) if busy else ()  # fmt: skip
        return InboxListing(tuple(items), tuple(problems), notes)

    def mark_sent(self, item: InboxItem, sent: SentConversation) -> str:
        """Note in the file which conversation it became (and that Omi discarded it, if so),
        then move it into ``Sent/``. Returns the new vault-relative path.

        Raises VaultWriteError when the file cannot be updated or moved (it then stays in the
        inbox; the caller knows it was sent). A file whose frontmatter is not valid YAML gets
        a last line ``Sent to Omi: conversation <id>`` instead.
        """
        source = self.root / item.path
        try:
            data, stamp = read_stamped(source)
        except OSError as error:
            raise VaultWriteError(source, f"cannot be read ({error.strerror})") from error
        note = NoteText.decode(data)
        if _already_sent(note, item.path) is None:
            _record_sent(note, sent, self._now(), item.path)
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

    def link_notes(self, notes: Mapping[str, str]) -> list[str]:
        """Give each sent file whose conversation has a note in ``notes`` (conversation id →
        vault-relative path) a ``conversation_note`` wiki-link to it. Returns a problem per
        file that could not be updated (it is retried at the next export)."""
        problems: list[str] = []
        for rel in _notes(self.root, self.sent_folder, suffixes=(".md", ".txt")):
            path = self.root / rel
            try:
                data, stamp = read_stamped(path)
                note = NoteText.decode(data)
                front = read_frontmatter(note, rel)
            except (OSError, FrontmatterError):
                continue  # unreadable or a broken-frontmatter file: its last line names the id
            target = notes.get(str(front.get("omi_conversation")))
            if target is None:
                continue
            link = f"[[{target.removesuffix('.md')}]]"
            if front.get(NOTE_LINK_KEY) == link:
                continue
            try:
                update_frontmatter(note, {NOTE_LINK_KEY: link}, rel)
                atomic_write(path, note.encode(), expected=stamp)
            except (VaultWriteError, FrontmatterError) as error:
                problems.append(f"{rel}: the link to its conversation note was not added ({error})")
        return problems

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), self.zone).isoformat(timespec="seconds")


_SENT_LINE = "Sent to Omi: conversation "


def _record_sent(note: NoteText, sent: SentConversation, when: str, where: str) -> None:
    """Write the sent marks into ``note``: frontmatter keys, or a last line if it is broken."""
    values: dict[str, Any] = {"omi_conversation": sent.conversation_id, "sent_to_omi": when}
    if sent.discarded:
        values |= {"omi_discarded": True, "omi_note": DISCARDED_NOTE}
    try:
        update_frontmatter(note, values, where)
    except FrontmatterError:
        line = _SENT_LINE + sent.conversation_id
        note.insert_lines(
            len(note.lines), ["", f"{line} ({DISCARDED_NOTE})" if sent.discarded else line]
        )


def _already_sent(note: NoteText, where: str) -> SentConversation | None:
    """The sent marks :func:`_record_sent` left in ``note`` (a move that did not finish)."""
    try:
        front = read_frontmatter(note, where)
    except FrontmatterError:
        last = next((line for line in reversed(note.lines) if line.strip()), "")
        if not last.startswith(_SENT_LINE):
            return None
        conversation_id, *rest = last.removeprefix(_SENT_LINE).split(" ", 1)
        return SentConversation(conversation_id, discarded=bool(rest))
    if "sent_to_omi" not in front or front.get("omi_conversation") is None:
        return None
    return SentConversation(str(front["omi_conversation"]), bool(front.get("omi_discarded")))
