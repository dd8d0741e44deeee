"""Memory notes: one note per Omi memory, YAML frontmatter plus the content as the body.

::

    ---
    omisync_id: omi-k3f9q2a7xm   # the note's identity, stamped by omisync
    category: interesting
    tags:
      - health
    visibility: private
    created: '2025-01-02T09:30:00+00:00'
    updated: '2025-01-02T09:30:00+00:00'
    ---
    Prefers oat milk in coffee.

Reading keeps every key; writing changes only the keys (and the body) that differ, so unknown
keys and the user's formatting survive. Content longer than Omi's 500 characters is reported by
:attr:`MemoryNote.too_long`, never truncated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .document import NoteText
from .frontmatter import (
    REMOVE,
    FrontmatterError,
    read_frontmatter,
    update_frontmatter,
)
from .structure import frontmatter_end

__all__ = [
    "OMI_MEMORY_LIMIT",
    "MemoryNote",
    "NoteFormatError",
    "memory_file_name",
    "parse_memory_note",
    "render_memory_note",
    "update_memory_note",
]

OMI_MEMORY_LIMIT: Final = 500
"""The longest memory content Omi accepts, in characters."""

_KEYS: Final = ("omisync_id", "category", "tags", "visibility", "created", "updated")


class NoteFormatError(ValueError):
    """A memory note cannot be read; the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class MemoryNote:
    """One memory as a note holds it. ``extra`` keeps the frontmatter keys omisync does not own."""

    content: str
    note_id: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    visibility: str | None = None
    created: str | None = None
    updated: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def too_long(self) -> bool:
        """True when the content exceeds what Omi accepts (it is reported, never truncated)."""
        return len(self.content) > OMI_MEMORY_LIMIT

    def owned_frontmatter(self) -> dict[str, Any]:
        """The frontmatter keys omisync owns, with their values (REMOVE for an absent one)."""
        values: dict[str, Any] = {
            "omisync_id": self.note_id,
            "category": self.category,
            "tags": list(self.tags),
            "visibility": self.visibility,
            "created": self.created,
            "updated": self.updated,
        }
        return {k: (REMOVE if v is None else v) for k, v in values.items()}


def _optional_str(front: Mapping[str, Any], key: str, where: str) -> str | None:
    value = front.get(key)
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise NoteFormatError(f"{where}: frontmatter '{key}' must be a single value, not {value!r}")


def _tags(front: Mapping[str, Any], where: str) -> tuple[str, ...]:
    value = front.get("tags")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise NoteFormatError(f"{where}: frontmatter 'tags' must be a list of words")
    return tuple(str(t).lstrip("#") for t in value)


def _body(note: NoteText) -> str:
    start = frontmatter_end(note.lines)
    return "\n".join(note.lines[start:]).strip()


def parse_memory_note(data: bytes, where: str) -> MemoryNote:
    """Read a memory note. Raises NoteFormatError naming ``where`` for bad frontmatter."""
    note = NoteText.decode(data)
    try:
        front = read_frontmatter(note, where)
    except FrontmatterError as error:
        raise NoteFormatError(str(error)) from None
    return MemoryNote(
        content=_body(note),
        note_id=_optional_str(front, "omisync_id", where),
        category=_optional_str(front, "category", where),
        tags=_tags(front, where),
        visibility=_optional_str(front, "visibility", where),
        created=_optional_str(front, "created", where),
        updated=_optional_str(front, "updated", where),
        extra={k: v for k, v in front.items() if k not in _KEYS},
    )


def render_memory_note(memory: MemoryNote) -> bytes:
    """A new note for ``memory`` (frontmatter, a blank line-free body, a final newline)."""
    note = NoteText([], [])
    update_memory_note_text(note, memory, where="(new note)")
    return note.encode()


def update_memory_note(data: bytes, memory: MemoryNote, where: str) -> bytes:
    """``data`` with its owned frontmatter keys and body set from ``memory``.

    Keys and body that already agree are left byte for byte, as is every other key. Raises
    NoteFormatError naming ``where`` when the existing frontmatter is invalid.
    """
    note = NoteText.decode(data)
    update_memory_note_text(note, memory, where)
    return note.encode()


def update_memory_note_text(note: NoteText, memory: MemoryNote, where: str) -> None:
    """In-place form of :func:`update_memory_note`."""
    try:
        update_frontmatter(note, memory.owned_frontmatter(), where)
    except FrontmatterError as error:
        raise NoteFormatError(str(error)) from None
    if _body(note) == memory.content.strip():
        return
    start = frontmatter_end(note.lines)
    for _ in range(len(note.lines) - start):
        note.delete_line(start)
    note.insert_lines(start, memory.content.strip().split("\n"))


_UNSAFE_RE: Final = re.compile(r"[\\/:*?\"<>|#^\[\]\x00-\x1f]+")


def memory_file_name(content: str, taken: set[str], max_chars: int = 60) -> str:
    """A readable file name for a memory (its first words), unique among ``taken`` names."""
    words = _UNSAFE_RE.sub(" ", content).split()
    stem = ""
    for word in words:
        if len(stem) + len(word) + 1 > max_chars:
            break
        stem = f"{stem} {word}".strip()
    stem = stem.strip(". ") or "Memory"
    name = f"{stem}.md"
    counter = 2
    while name.lower() in {t.lower() for t in taken}:
        name = f"{stem} {counter}.md"
        counter += 1
    return name
