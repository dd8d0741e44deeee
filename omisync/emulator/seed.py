"""Seeding: put records into the emulator exactly as given, hidden fields included.

``POST /_emulator/seed`` takes a :class:`SeedPayload`; every timestamp defaults to "now",
memory ids default to the content-derived id, other ids to fresh random ones. Unlike the
public API, seeds can set what clients cannot: ``is_locked``, ``created_at``, conversation
``status``/``deleted``, memory ``user_review``/``invalid_at``/``manually_added`` ...
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from omisync.emulator.identity import memory_id_from_content, new_document_id, new_uuid
from omisync.emulator.ingest import new_segment
from omisync.emulator.models import (
    CategoryEnum,
    DeveloperConversationActionItem,
    DeveloperConversationEvent,
    GeolocationInput,
    MemoryCategory,
    UtcDatetime,
)
from omisync.emulator.store import (
    ActionItemRecord,
    ConversationRecord,
    EmbeddedActionItem,
    FolderRecord,
    MemoryRecord,
    Store,
    memory_scoring,
)


class SeedMemory(BaseModel):
    """A memory to store as is (``scoring`` computed from the other fields when absent)."""

    id: str | None = None
    content: str = Field(min_length=1)
    category: MemoryCategory = MemoryCategory.interesting
    visibility: str = "private"
    tags: list[str] = Field(default_factory=list)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    manually_added: bool = True
    reviewed: bool = False
    user_review: bool | None = None
    edited: bool = False
    scoring: str | None = None
    is_locked: bool = False
    invalid_at: UtcDatetime | None = None
    conversation_id: str | None = None


class SeedActionItem(BaseModel):
    """An action item to store as is (``completed_at`` defaults to ``updated_at`` if done)."""

    id: str | None = None
    description: str = Field(min_length=1)
    completed: bool = False
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    due_at: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None
    conversation_id: str | None = None
    is_locked: bool = False


class SeedSegment(BaseModel):
    """A transcript segment of a seeded conversation."""

    text: str
    start: float
    end: float
    speaker: str = "SPEAKER_00"
    speaker_id: int | None = None
    is_user: bool = False
    person_id: str | None = None


class SeedConversation(BaseModel):
    """A conversation to store as is (no pipeline runs)."""

    id: str | None = None
    created_at: UtcDatetime | None = None
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    language: str | None = "en"
    source: str | None = "omi"
    geolocation: GeolocationInput | None = None
    folder_id: str | None = None
    starred: bool = False
    status: str = "completed"
    discarded: bool = False
    deleted: bool = False
    is_locked: bool = False
    title: str = ""
    overview: str = ""
    emoji: str = "🧠"
    category: CategoryEnum = CategoryEnum.other
    action_items: list[DeveloperConversationActionItem] = Field(default_factory=list)
    events: list[DeveloperConversationEvent] = Field(default_factory=list)
    transcript_segments: list[SeedSegment] = Field(default_factory=list)


class SeedFolder(BaseModel):
    """A conversation folder."""

    id: str | None = None
    name: str = Field(min_length=1)
    description: str | None = None
    color: str = "#4F46E5"
    icon: str = "📁"
    created_at: UtcDatetime | None = None
    position: int = 0
    is_default: bool = False
    is_system: bool = False


class SeedPayload(BaseModel):
    """Body of ``POST /_emulator/seed``."""

    memories: list[SeedMemory] = Field(default_factory=list)
    action_items: list[SeedActionItem] = Field(default_factory=list)
    conversations: list[SeedConversation] = Field(default_factory=list)
    folders: list[SeedFolder] = Field(default_factory=list)


class SeedResult(BaseModel):
    """The ids given to the seeded records, in payload order."""

    memories: list[str]
    action_items: list[str]
    conversations: list[str]
    folders: list[str]


def apply_seed(store: Store, payload: SeedPayload, now: datetime) -> SeedResult:
    """Store every record of ``payload`` in one transaction; return their ids."""
    with store.db.transaction():
        return SeedResult(
            folders=[store.folders.put(_folder(f, now)).id for f in payload.folders],
            memories=[store.memories.put(_memory(m, now)).id for m in payload.memories],
            action_items=[
                store.action_items.put(_action_item(a, now)).id for a in payload.action_items
            ],
            conversations=[
                store.conversations.put(_conversation(c, now)).id for c in payload.conversations
            ],
        )


def _memory(seed: SeedMemory, now: datetime) -> MemoryRecord:
    created = seed.created_at or now
    category = seed.category.value
    return MemoryRecord(
        id=seed.id or memory_id_from_content(seed.content),
        content=seed.content.strip(),
        category=category,
        visibility=seed.visibility,
        tags=seed.tags,
        created_at=created,
        updated_at=seed.updated_at or created,
        manually_added=seed.manually_added,
        reviewed=seed.reviewed,
        user_review=seed.user_review,
        edited=seed.edited,
        scoring=seed.scoring or memory_scoring(seed.manually_added, category, created),
        is_locked=seed.is_locked,
        invalid_at=seed.invalid_at,
        conversation_id=seed.conversation_id,
    )


def _action_item(seed: SeedActionItem, now: datetime) -> ActionItemRecord:
    created = seed.created_at or now
    updated = seed.updated_at or created
    completed_at = seed.completed_at or (updated if seed.completed else None)
    return ActionItemRecord(
        id=seed.id or new_document_id(),
        description=seed.description,
        completed=seed.completed,
        created_at=created,
        updated_at=updated,
        due_at=seed.due_at,
        completed_at=completed_at,
        conversation_id=seed.conversation_id,
        is_locked=seed.is_locked,
    )


def _conversation(seed: SeedConversation, now: datetime) -> ConversationRecord:
    created = seed.created_at or now
    conversation_id = seed.id or new_uuid()
    return ConversationRecord(
        id=conversation_id,
        created_at=created,
        updated_at=created,
        started_at=seed.started_at or created,
        finished_at=seed.finished_at or created,
        language=seed.language,
        source=seed.source,
        geolocation=None if seed.geolocation is None else seed.geolocation.model_dump(),
        folder_id=seed.folder_id,
        starred=seed.starred,
        status=seed.status,
        discarded=seed.discarded,
        deleted=seed.deleted,
        is_locked=seed.is_locked,
        title=seed.title,
        user_title=None,
        overview=seed.overview,
        emoji=seed.emoji,
        category=seed.category.value,
        action_items=[
            EmbeddedActionItem(
                description=a.description,
                completed=a.completed,
                created_at=a.created_at,
                due_at=a.due_at,
                conversation_id=a.conversation_id or conversation_id,
            )
            for a in seed.action_items
        ],
        events=[e.model_dump(mode="json") for e in seed.events],
        transcript_segments=[
            new_segment(
                s.text,
                start=s.start,
                end=s.end,
                speaker=s.speaker,
                speaker_id=s.speaker_id,
                is_user=s.is_user,
                person_id=s.person_id,
            )
            for s in seed.transcript_segments
        ],
    )


def _folder(seed: SeedFolder, now: datetime) -> FolderRecord:
    created = seed.created_at or now
    return FolderRecord(
        id=seed.id or new_uuid(),
        name=seed.name,
        description=seed.description,
        color=seed.color,
        icon=seed.icon,
        created_at=created,
        updated_at=created,
        position=seed.position,
        is_default=seed.is_default,
        is_system=seed.is_system,
    )
