"""Typed Omi records, as the client returns them and takes them.

Every datetime is timezone-aware UTC. Categories are plain strings: the backend returns
legacy values (``core``, ``hobbies``...) that the doc does not list, and they are kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Memory categories the backend accepts (the doc advertises only the first three).
MEMORY_CATEGORIES = frozenset(
    {
        "interesting",
        "system",
        "manual",
        "workflow",
        "core",
        "hobbies",
        "lifestyle",
        "interests",
        "habits",
        "work",
        "skills",
        "learnings",
        "other",
        "auto",
    }
)

#: A locked memory's content is cut to this many characters plus "..." in listings.
LOCKED_PREVIEW_CHARS = 70


@dataclass(frozen=True, slots=True)
class Memory:
    """An Omi memory (``DeveloperMemory``). Its id derives from its content at creation."""

    id: str
    content: str
    category: str = "interesting"
    visibility: str = "private"
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    manually_added: bool = False
    reviewed: bool = False
    user_review: bool | None = None
    edited: bool = False
    scoring: str | None = None

    @property
    def may_be_locked_preview(self) -> bool:
        """True when ``content`` has the shape of a locked memory's preview (70 chars + "...");
        such content must not be taken for an edit."""
        return len(self.content) == LOCKED_PREVIEW_CHARS + 3 and self.content.endswith("...")


@dataclass(frozen=True, slots=True)
class ActionItem:
    """An Omi action item (``DeveloperActionItem``). ``conversation_id`` is None for an item
    created on its own (standalone)."""

    id: str
    description: str
    completed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Geolocation:
    """Where a conversation took place."""

    latitude: float
    longitude: float
    address: str | None = None
    google_place_id: str | None = None
    location_type: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One stretch of speech in a conversation's transcript (times in seconds from the start)."""

    text: str
    start: float
    end: float
    id: str | None = None
    speaker_id: int | None = None
    speaker_name: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationActionItem:
    """An action item as embedded in a conversation's summary (it carries no id)."""

    description: str
    completed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    """A calendar event found in a conversation (``duration`` in minutes)."""

    title: str
    start: datetime
    description: str = ""
    duration: int = 30
    created: bool = False


@dataclass(frozen=True, slots=True)
class ConversationStructured:
    """A conversation's generated summary."""

    title: str = ""
    overview: str = ""
    emoji: str = "🧠"
    category: str = "other"
    action_items: tuple[ConversationActionItem, ...] = ()
    events: tuple[ConversationEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    """An Omi conversation (``DeveloperConversation``). ``transcript_segments`` is None unless
    the transcript was asked for. The API reports no status, discarded flag or updated_at."""

    id: str
    created_at: datetime | None
    structured: ConversationStructured = field(default_factory=ConversationStructured)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    language: str | None = None
    source: str | None = None
    geolocation: Geolocation | None = None
    folder_id: str | None = None
    folder_name: str | None = None
    transcript_segments: tuple[TranscriptSegment, ...] | None = None


@dataclass(frozen=True, slots=True)
class ConversationCreated:
    """The answer to a conversation create: a ``discarded`` one never shows in listings."""

    id: str
    status: str
    discarded: bool


@dataclass(frozen=True, slots=True)
class DevApiKey:
    """A developer API key's public facts (never the secret). ``scopes`` None means the
    server's read-only default."""

    id: str
    name: str
    key_prefix: str
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class DevApiKeyCreated:
    """A new key: its public facts and, once only, the secret ``key`` (hidden from repr)."""

    info: DevApiKey
    key: str = field(repr=False)


# --- what the client sends ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewMemory:
    """A memory to create. ``category`` None lets Omi categorise it."""

    content: str
    category: str | None = None
    visibility: str = "private"
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewActionItem:
    """An action item to create. ``due_at`` must be timezone-aware."""

    description: str
    completed: bool = False
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewSegment:
    """A transcript segment to send with :meth:`Conversations.create_from_segments`."""

    text: str
    start: float
    end: float
    speaker: str = "SPEAKER_00"
    speaker_id: int | None = None
    is_user: bool = False
    person_id: str | None = None
