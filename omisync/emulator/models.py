"""Request and response bodies of ``/v1/dev``, shaped like the backend's OpenAPI components.

Field names, defaults, nullability and pydantic constraints mirror
``reference/omi-openapi.json`` so that FastAPI produces the backend's own 422 bodies and the
responses validate against the documented schemas. Naive datetimes in requests are UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, Field

from omisync.emulator.timeutil import as_utc

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class MemoryCategory(StrEnum):
    """The backend's memory categories (the doc advertises only the first three)."""

    interesting = "interesting"
    system = "system"
    manual = "manual"
    workflow = "workflow"
    core = "core"
    hobbies = "hobbies"
    lifestyle = "lifestyle"
    interests = "interests"
    habits = "habits"
    work = "work"
    skills = "skills"
    learnings = "learnings"
    other = "other"
    auto = "auto"


class CategoryEnum(StrEnum):
    """Conversation categories (``structured.category``)."""

    personal = "personal"
    education = "education"
    health = "health"
    finance = "finance"
    legal = "legal"
    philosophy = "philosophy"
    spiritual = "spiritual"
    science = "science"
    entrepreneurship = "entrepreneurship"
    parenting = "parenting"
    romantic = "romantic"
    travel = "travel"
    inspiration = "inspiration"
    technology = "technology"
    business = "business"
    social = "social"
    work = "work"
    sports = "sports"
    politics = "politics"
    literature = "literature"
    history = "history"
    architecture = "architecture"
    music = "music"
    weather = "weather"
    news = "news"
    entertainment = "entertainment"
    psychology = "psychology"
    real = "real"
    design = "design"
    family = "family"
    economics = "economics"
    environment = "environment"
    other = "other"


class ConversationSource(StrEnum):
    """Where a conversation came from."""

    friend = "friend"
    omi = "omi"
    fieldy = "fieldy"
    bee = "bee"
    plaud = "plaud"
    frame = "frame"
    friend_com = "friend_com"
    apple_watch = "apple_watch"
    phone = "phone"
    phone_call = "phone_call"
    desktop = "desktop"
    openglass = "openglass"
    screenpipe = "screenpipe"
    workflow = "workflow"
    sdcard = "sdcard"
    external_integration = "external_integration"
    limitless = "limitless"
    rayban_meta = "rayban_meta"
    onboarding = "onboarding"
    unknown = "unknown"


class ExternalIntegrationConversationSource(StrEnum):
    """The kind of text posted to ``POST /conversations``."""

    audio_transcript = "audio_transcript"
    message = "message"
    other_text = "other_text"


# ---------------------------------------------------------------- memories


class CreateMemoryRequest(BaseModel):
    """Body of ``POST /user/memories`` (and one item of the batch)."""

    content: str = Field(min_length=1, max_length=500)
    category: MemoryCategory | None = None
    visibility: str = "private"
    tags: list[str] = []


class BatchMemoriesRequest(BaseModel):
    """Body of ``POST /user/memories/batch``: at most 25 memories."""

    memories: list[CreateMemoryRequest] = Field(max_length=25)


class UpdateMemoryRequest(BaseModel):
    """Body of ``PATCH /user/memories/{id}``; every field optional."""

    content: str | None = Field(default=None, min_length=1, max_length=500)
    visibility: str | None = None
    tags: list[str] | None = None
    category: MemoryCategory | None = None


class DeveloperMemory(BaseModel):
    """A memory as ``/v1/dev`` shows it."""

    id: str
    content: str = ""
    category: MemoryCategory = MemoryCategory.interesting
    visibility: str | None = "private"
    tags: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    manually_added: bool = False
    reviewed: bool = False
    user_review: bool | None = None
    edited: bool = False
    scoring: str | None = None


class BatchMemoriesResponse(BaseModel):
    """Answer of ``POST /user/memories/batch``."""

    memories: list[DeveloperMemory]
    created_count: int


# ---------------------------------------------------------------- action items


class CreateActionItemRequest(BaseModel):
    """Body of ``POST /user/action-items`` (and one item of the batch)."""

    description: str = Field(min_length=1, max_length=500)
    completed: bool = False
    due_at: UtcDatetime | None = None


class BatchActionItemsRequest(BaseModel):
    """Body of ``POST /user/action-items/batch``: at most 50 action items."""

    action_items: list[CreateActionItemRequest] = Field(max_length=50)


class UpdateActionItemRequest(BaseModel):
    """Body of ``PATCH /user/action-items/{id}``; ``due_at: null`` is ignored, as upstream."""

    description: str | None = Field(default=None, min_length=1, max_length=500)
    completed: bool | None = None
    due_at: UtcDatetime | None = None


class DeveloperActionItem(BaseModel):
    """An action item as ``/v1/dev`` shows it."""

    id: str
    description: str
    completed: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    conversation_id: str | None = None


class BatchActionItemsResponse(BaseModel):
    """Answer of ``POST /user/action-items/batch``."""

    action_items: list[DeveloperActionItem]
    created_count: int


# ---------------------------------------------------------------- conversations


class GeolocationInput(BaseModel):
    """A geolocation in a create request (upstream does not range-check it here)."""

    latitude: float
    longitude: float
    address: str | None = None
    google_place_id: str | None = None
    location_type: str | None = None


class Geolocation(BaseModel):
    """A geolocation in a conversation answer (latitude/longitude range-checked)."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: str | None = None
    google_place_id: str | None = None
    location_type: str | None = None


class CreateConversationRequest(BaseModel):
    """Body of ``POST /user/conversations`` (create from text)."""

    text: str = Field(min_length=1, max_length=100000)
    text_source: ExternalIntegrationConversationSource = (
        ExternalIntegrationConversationSource.other_text
    )
    text_source_spec: str | None = None
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    language: str | None = "en"
    geolocation: GeolocationInput | None = None


class CreateConversationTranscriptSegment(BaseModel):
    """One segment of ``POST /user/conversations/from-segments``."""

    text: str
    speaker: str | None = "SPEAKER_00"
    speaker_id: int | None = None
    is_user: bool = False
    person_id: str | None = None
    start: float
    end: float


class CreateConversationFromTranscriptRequest(BaseModel):
    """Body of ``POST /user/conversations/from-segments``."""

    transcript_segments: list[CreateConversationTranscriptSegment] = Field(
        min_length=1, max_length=500
    )
    source: ConversationSource | None = ConversationSource.phone
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    language: str | None = "en"
    geolocation: GeolocationInput | None = None
    client_session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        validation_alias=AliasChoices(
            "client_session_id", "client_conversation_id", "session_id", "client_id"
        ),
    )
    client_device_id: str | None = None
    client_platform: str | None = None


class ConversationCreateResponse(BaseModel):
    """Answer of both conversation creates: only the id and the processing outcome."""

    id: str
    status: str
    discarded: bool


class UpdateConversationRequest(BaseModel):
    """Body of ``PATCH /user/conversations/{id}``."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    discarded: bool | None = None


class DeveloperConversationActionItem(BaseModel):
    """An action item embedded in ``structured`` (no id)."""

    description: str
    completed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    conversation_id: str | None = None


class DeveloperConversationEvent(BaseModel):
    """A calendar event extracted from a conversation."""

    title: str
    description: str = ""
    start: datetime
    duration: int = 30
    created: bool = False


class DeveloperConversationStructured(BaseModel):
    """The processed summary of a conversation."""

    title: str
    overview: str
    emoji: str = "🧠"
    category: CategoryEnum
    action_items: list[DeveloperConversationActionItem] = []
    events: list[DeveloperConversationEvent] = []


class DeveloperTranscriptSegment(BaseModel):
    """A transcript segment as ``include_transcript=true`` shows it."""

    id: str | None = None
    text: str
    speaker_id: int | None = None
    speaker_name: str | None = None
    start: float
    end: float


class DeveloperConversation(BaseModel):
    """A conversation as ``/v1/dev`` shows it (no ``status``, ``discarded`` or ``updated_at``)."""

    id: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    language: str | None = None
    source: str | None = None
    geolocation: Geolocation | None = None
    folder_id: str | None = None
    folder_name: str | None = None
    structured: DeveloperConversationStructured
    transcript_segments: list[DeveloperTranscriptSegment] | None = None


class DeveloperFolder(BaseModel):
    """A conversation folder (read-only on ``/v1/dev``)."""

    id: str
    name: str
    description: str | None = None
    color: str
    icon: str
    created_at: datetime
    updated_at: datetime
    order: int = 0
    is_default: bool = False
    is_system: bool = False
    conversation_count: int = 0


# ---------------------------------------------------------------- keys and misc


class DevApiKeyCreate(BaseModel):
    """Body of ``POST /v1/dev/keys``; null scopes means read-only."""

    name: str
    scopes: list[str] | None = None


class DevApiKey(BaseModel):
    """A developer key as listed (never the secret)."""

    id: str
    name: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    scopes: list[str] | None = None


class DevApiKeyCreated(DevApiKey):
    """A freshly created (or rotated) key: the only time the raw ``key`` is shown."""

    key: str


class DeveloperSuccessResponse(BaseModel):
    """``{"success": true}`` of the DELETE routes."""

    success: bool
