"""What the emulator stores: one frozen dataclass per kind of row, built from SQLite rows.

Records carry every stored field, including those ``/v1/dev`` never shows (``is_locked``,
``status``, ``deleted`` ...); the routes decide what to expose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omisync.emulator.store.database import Row
from omisync.emulator.timeutil import from_db, require_from_db


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    """A stored memory."""

    id: str
    content: str
    category: str
    visibility: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    manually_added: bool
    reviewed: bool
    user_review: bool | None
    edited: bool
    scoring: str
    is_locked: bool
    invalid_at: datetime | None
    conversation_id: str | None

    @classmethod
    def from_row(cls, row: Row) -> MemoryRecord:
        """Build a record from a ``memories`` row."""
        user_review = row["user_review"]
        return cls(
            id=row["id"],
            content=row["content"],
            category=row["category"],
            visibility=row["visibility"],
            tags=list(_json(row["tags"]) or []),
            created_at=require_from_db(row["created_at"]),
            updated_at=require_from_db(row["updated_at"]),
            manually_added=bool(row["manually_added"]),
            reviewed=bool(row["reviewed"]),
            user_review=None if user_review is None else bool(user_review),
            edited=bool(row["edited"]),
            scoring=row["scoring"],
            is_locked=bool(row["is_locked"]),
            invalid_at=from_db(row["invalid_at"]),
            conversation_id=row["conversation_id"],
        )


@dataclass(frozen=True, slots=True)
class ActionItemRecord:
    """A stored action item."""

    id: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    conversation_id: str | None
    is_locked: bool

    @classmethod
    def from_row(cls, row: Row) -> ActionItemRecord:
        """Build a record from an ``action_items`` row."""
        return cls(
            id=row["id"],
            description=row["description"],
            completed=bool(row["completed"]),
            created_at=require_from_db(row["created_at"]),
            updated_at=require_from_db(row["updated_at"]),
            due_at=from_db(row["due_at"]),
            completed_at=from_db(row["completed_at"]),
            conversation_id=row["conversation_id"],
            is_locked=bool(row["is_locked"]),
        )


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A stored transcript segment."""

    id: str
    text: str
    speaker: str
    speaker_id: int
    is_user: bool
    person_id: str | None
    start: float
    end: float

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form stored in ``conversations.transcript_segments``."""
        return {
            "id": self.id,
            "text": self.text,
            "speaker": self.speaker,
            "speaker_id": self.speaker_id,
            "is_user": self.is_user,
            "person_id": self.person_id,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentRecord:
        """Inverse of :meth:`to_json`."""
        return cls(
            id=str(data["id"]),
            text=str(data["text"]),
            speaker=str(data["speaker"]),
            speaker_id=int(data["speaker_id"]),
            is_user=bool(data["is_user"]),
            person_id=data.get("person_id"),
            start=float(data["start"]),
            end=float(data["end"]),
        )


@dataclass(frozen=True, slots=True)
class EmbeddedActionItem:
    """An action item copied into a conversation's ``structured.action_items`` (no id)."""

    description: str
    completed: bool
    created_at: datetime | None
    due_at: datetime | None
    conversation_id: str | None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form stored in ``conversations.action_items``."""
        return {
            "description": self.description,
            "completed": self.completed,
            "created_at": None if self.created_at is None else self.created_at.isoformat(),
            "due_at": None if self.due_at is None else self.due_at.isoformat(),
            "conversation_id": self.conversation_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EmbeddedActionItem:
        """Inverse of :meth:`to_json`."""
        return cls(
            description=str(data["description"]),
            completed=bool(data.get("completed", False)),
            created_at=from_db(data.get("created_at")),
            due_at=from_db(data.get("due_at")),
            conversation_id=data.get("conversation_id"),
        )


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A stored conversation."""

    id: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    language: str | None
    source: str | None
    geolocation: dict[str, Any] | None
    folder_id: str | None
    starred: bool
    status: str
    discarded: bool
    deleted: bool
    is_locked: bool
    title: str
    user_title: str | None
    overview: str
    emoji: str
    category: str
    action_items: list[EmbeddedActionItem]
    events: list[dict[str, Any]]
    transcript_segments: list[SegmentRecord]

    @property
    def display_title(self) -> str:
        """The title shown to clients: the user's override wins over the generated one."""
        return self.user_title if self.user_title is not None else self.title

    @classmethod
    def from_row(cls, row: Row) -> ConversationRecord:
        """Build a record from a ``conversations`` row."""
        return cls(
            id=row["id"],
            created_at=require_from_db(row["created_at"]),
            updated_at=require_from_db(row["updated_at"]),
            started_at=from_db(row["started_at"]),
            finished_at=from_db(row["finished_at"]),
            language=row["language"],
            source=row["source"],
            geolocation=_json(row["geolocation"]),
            folder_id=row["folder_id"],
            starred=bool(row["starred"]),
            status=row["status"],
            discarded=bool(row["discarded"]),
            deleted=bool(row["deleted"]),
            is_locked=bool(row["is_locked"]),
            title=row["title"],
            user_title=row["user_title"],
            overview=row["overview"],
            emoji=row["emoji"],
            category=row["category"],
            action_items=[EmbeddedActionItem.from_json(a) for a in _json(row["action_items"])],
            events=list(_json(row["events"])),
            transcript_segments=[
                SegmentRecord.from_json(s) for s in _json(row["transcript_segments"])
            ],
        )


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A stored developer API key (only the hash of its secret)."""

    id: str
    name: str
    hashed_key: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    scopes: list[str] | None

    @classmethod
    def from_row(cls, row: Row) -> KeyRecord:
        """Build a record from a ``dev_api_keys`` row."""
        scopes = _json(row["scopes"])
        return cls(
            id=row["id"],
            name=row["name"],
            hashed_key=row["hashed_key"],
            key_prefix=row["key_prefix"],
            created_at=require_from_db(row["created_at"]),
            last_used_at=from_db(row["last_used_at"]),
            scopes=None if scopes is None else [str(s) for s in scopes],
        )


@dataclass(frozen=True, slots=True)
class FolderRecord:
    """A stored conversation folder."""

    id: str
    name: str
    description: str | None
    color: str
    icon: str
    created_at: datetime
    updated_at: datetime
    position: int
    is_default: bool
    is_system: bool

    @classmethod
    def from_row(cls, row: Row) -> FolderRecord:
        """Build a record from a ``folders`` row."""
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            color=row["color"],
            icon=row["icon"],
            created_at=require_from_db(row["created_at"]),
            updated_at=require_from_db(row["updated_at"]),
            position=int(row["position"]),
            is_default=bool(row["is_default"]),
            is_system=bool(row["is_system"]),
        )
