"""Conversation notes (Omi → vault, one way): one note per conversation.

The note holds a little frontmatter (``omi_conversation``, ``date``, ``category``) and a
generated region (see :mod:`regions`) with the title and emoji, the date, the overview, the
conversation's action items and the transcript folded in an Obsidian callout
(``> [!note]- Transcript``). Anything the user writes outside the region survives; the region
is rewritten only when the conversation changed.
"""

from __future__ import annotations

from datetime import UTC, tzinfo

from omisync.conversations import ConversationRecord

from .document import NoteText
from .frontmatter import REMOVE, update_frontmatter
from .memories import memory_file_name
from .regions import replace_region

__all__ = [
    "conversation_file_name",
    "render_conversation_region",
    "write_conversation_note",
]


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_conversation_region(conversation: ConversationRecord, tz: tzinfo = UTC) -> str:
    """The Markdown of the generated region (``\\n`` line breaks, no trailing newline)."""
    start = (conversation.started_at or conversation.created_at).astimezone(tz)
    title = _one_line(conversation.title) or "Untitled conversation"
    heading = f"# {conversation.emoji} {title}" if conversation.emoji else f"# {title}"
    facts = [start.strftime("%Y-%m-%d %H:%M")]
    if conversation.category:
        facts.append(conversation.category)
    if conversation.started_at and conversation.finished_at:
        minutes = round((conversation.finished_at - conversation.started_at).total_seconds() / 60)
        facts.append(f"{minutes} min")
    out = [heading, "", "*" + " · ".join(facts) + "*"]
    if conversation.overview.strip():
        out += ["", "## Overview", "", conversation.overview.strip()]
    if conversation.action_items:
        out += ["", "## Action items", ""]
        for item in conversation.action_items:
            text = _one_line(item.text)
            out.append(f"- ~~{text}~~ ✓" if item.done else f"- {text}")
    if conversation.transcript:
        out += ["", "> [!note]- Transcript"]
        for segment in conversation.transcript:
            lines = segment.text.strip().split("\n") or [""]
            speaker = _one_line(segment.speaker)
            out.append(f"> **{speaker}** ({_clock(segment.start)}): {lines[0]}")
            out += [f"> {line}" for line in lines[1:]]
    return "\n".join(out)


def conversation_file_name(
    conversation: ConversationRecord, taken: set[str], tz: tzinfo = UTC
) -> str:
    """``YYYY-MM-DD Title.md``, unique among ``taken`` names."""
    day = (conversation.started_at or conversation.created_at).astimezone(tz).date()
    return memory_file_name(f"{day.isoformat()} {conversation.title}", taken, max_chars=80)


def write_conversation_note(
    existing: bytes | None, conversation: ConversationRecord, where: str, tz: tzinfo = UTC
) -> bytes | None:
    """The note's new bytes, or None when it already shows ``conversation``.

    ``existing`` is the current note (None for a new one). Raises RegionError when the region
    markers are damaged and FrontmatterError when the frontmatter is invalid.
    """
    note = NoteText.decode(existing or b"")
    day = (conversation.started_at or conversation.created_at).astimezone(tz).date()
    changed = update_frontmatter(
        note,
        {
            "omi_conversation": conversation.id,
            "date": day.isoformat(),
            "category": conversation.category or REMOVE,
        },
        where,
    )
    changed |= replace_region(note, render_conversation_region(conversation, tz), where)
    return note.encode() if changed else None
