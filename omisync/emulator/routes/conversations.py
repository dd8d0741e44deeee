"""``/v1/dev/user/conversations``: list, get by id, create from text or segments, PATCH,
DELETE (a soft delete: the row stays for from-segments idempotency)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import ValidationError
from starlette.requests import Request

from omisync.emulator.auth import charge_extra, require
from omisync.emulator.identity import new_uuid, session_conversation_id
from omisync.emulator.ingest import NewConversation, ingest_conversation, new_segment
from omisync.emulator.models import (
    CategoryEnum,
    ConversationCreateResponse,
    ConversationSource,
    CreateConversationFromTranscriptRequest,
    CreateConversationRequest,
    DeveloperConversation,
    DeveloperConversationActionItem,
    DeveloperConversationEvent,
    DeveloperConversationStructured,
    DeveloperSuccessResponse,
    DeveloperTranscriptSegment,
    Geolocation,
    GeolocationInput,
    UpdateConversationRequest,
)
from omisync.emulator.routes.listing import apply_short_page_fault, clamp_page, parse_categories
from omisync.emulator.state import EmulatorState, StateDep
from omisync.emulator.store import ConversationFilter, ConversationRecord, KeyRecord
from omisync.emulator.timeutil import as_utc

router = APIRouter(tags=["Conversations"])

MAX_LIMIT = 100
MAX_LIMIT_WITH_TRANSCRIPT = 25
TEXT_DEFAULT_DURATION = timedelta(seconds=300)
NOT_FOUND = "Conversation not found"
LOCKED = "A paid plan is required to access this conversation."
TRANSCRIPT_POLICY = "dev:conversation_transcript_read"

_list = require("conversations:read", "dev:conversations_read")
_detail = require("conversations:read", "dev:conversation_detail_read")
_write = require("conversations:write", "dev:conversations")


def conversation_out(
    state: EmulatorState, record: ConversationRecord, *, include_transcript: bool
) -> DeveloperConversation:
    """Return the ``DeveloperConversation`` view (no status/discarded/updated_at).

    Transcript segments appear only with ``include_transcript``, each with a ``speaker_name``:
    the user's name for the user's segments, else ``"Speaker <id>"``.
    """
    folder = None if record.folder_id is None else state.store.folders.get(record.folder_id)
    segments = None
    if include_transcript:
        segments = [
            DeveloperTranscriptSegment(
                id=s.id,
                text=s.text,
                speaker_id=s.speaker_id,
                speaker_name=state.config.user_name if s.is_user else f"Speaker {s.speaker_id}",
                start=s.start,
                end=s.end,
            )
            for s in record.transcript_segments
        ]
    try:
        category = CategoryEnum(record.category)
    except ValueError:
        category = CategoryEnum.other
    return DeveloperConversation(
        id=record.id,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        language=record.language,
        source=record.source,
        geolocation=_geolocation_out(record.geolocation),
        folder_id=record.folder_id,
        folder_name=None if folder is None else folder.name,
        structured=DeveloperConversationStructured(
            title=record.display_title,
            overview=record.overview,
            emoji=record.emoji,
            category=category,
            action_items=[
                DeveloperConversationActionItem(
                    description=item.description,
                    completed=item.completed,
                    created_at=item.created_at,
                    updated_at=item.created_at,
                    due_at=item.due_at,
                    conversation_id=item.conversation_id,
                )
                for item in record.action_items
            ],
            events=[DeveloperConversationEvent.model_validate(e) for e in record.events],
        ),
        transcript_segments=segments,
    )


def _geolocation_out(stored: dict[str, Any] | None) -> Geolocation | None:
    # Creates accept any coordinates (as upstream); answers only carry valid ones.
    if stored is None:
        return None
    try:
        return Geolocation.model_validate(stored)
    except ValidationError:
        return None


def _readable(state: EmulatorState, conversation_id: str) -> ConversationRecord:
    record = state.store.conversations.get(conversation_id)
    if record is None or record.deleted or record.is_locked:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return record


def _writable(state: EmulatorState, conversation_id: str) -> ConversationRecord:
    record = state.store.conversations.get(conversation_id)
    if record is None or record.deleted:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    if record.is_locked:
        raise HTTPException(status_code=402, detail=LOCKED)
    return record


def _geolocation(value: GeolocationInput | None) -> dict[str, object] | None:
    return None if value is None else value.model_dump()


def _created(record: ConversationRecord) -> ConversationCreateResponse:
    return ConversationCreateResponse(
        id=record.id, status=record.status, discarded=record.discarded
    )


@router.get("/v1/dev/user/conversations")
async def list_conversations(
    request: Request,
    key: Annotated[KeyRecord, Depends(_list)],
    state: StateDep,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    categories: str | None = None,
    limit: int = 25,
    offset: int = 0,
    include_transcript: bool = False,
    folder_id: str | None = Query(default=None, min_length=1),
    starred: bool | None = None,
) -> list[DeveloperConversation]:
    """One page of completed, non-discarded conversations, newest first (clamped 1..100, or
    1..25 with transcripts)."""
    if include_transcript:
        charge_extra(request, state, key, TRANSCRIPT_POLICY)
    category_list = parse_categories(categories, CategoryEnum)
    cap = MAX_LIMIT_WITH_TRANSCRIPT if include_transcript else MAX_LIMIT
    limit, offset = clamp_page(limit, offset, cap)
    query = ConversationFilter(
        start=None if start_date is None else as_utc(start_date),
        end=None if end_date is None else as_utc(end_date),
        categories=category_list,
        folder_id=folder_id,
        starred=starred,
    )
    rows = state.store.conversations.list_visible(query, limit=limit, offset=offset)
    return [
        conversation_out(state, r, include_transcript=include_transcript)
        for r in apply_short_page_fault(request, state, rows)
    ]


@router.get("/v1/dev/user/conversations/{conversation_id}")
async def get_conversation(
    request: Request,
    conversation_id: str,
    key: Annotated[KeyRecord, Depends(_detail)],
    state: StateDep,
    include_transcript: bool = False,
) -> DeveloperConversation:
    """One conversation, discarded or still processing ones included; deleted or locked: 404."""
    if include_transcript:
        charge_extra(request, state, key, TRANSCRIPT_POLICY)
    record = _readable(state, conversation_id)
    return conversation_out(state, record, include_transcript=include_transcript)


@router.post("/v1/dev/user/conversations")
async def create_conversation(
    body: CreateConversationRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> ConversationCreateResponse:
    """Create a conversation from text and process it inline (not idempotent)."""
    if not body.text.strip():
        raise HTTPException(status_code=422, detail="text cannot be empty")
    started_at = body.started_at or state.now()
    finished_at = body.finished_at or started_at + TEXT_DEFAULT_DURATION
    if finished_at < started_at:
        raise HTTPException(status_code=422, detail="finished_at must be after started_at")
    new = NewConversation(
        id=new_uuid(),
        text=body.text.strip(),
        started_at=started_at,
        finished_at=finished_at,
        source=ConversationSource.external_integration.value,
        language=body.language or "en",
        geolocation=_geolocation(body.geolocation),
    )
    return _created(ingest_conversation(state.store, new, state.now()))


@router.post("/v1/dev/user/conversations/from-segments")
async def create_conversation_from_segments(
    body: CreateConversationFromTranscriptRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> ConversationCreateResponse:
    """Create a conversation from transcript segments; a repeated ``client_session_id``
    returns the first outcome (``status: "deleted"`` once that conversation was deleted)."""
    for index, segment in enumerate(body.transcript_segments):
        if segment.end <= segment.start:
            raise HTTPException(
                status_code=422, detail=f"Segment {index}: end time must be after start time"
            )
        if segment.start < 0:
            raise HTTPException(
                status_code=422, detail=f"Segment {index}: start time cannot be negative"
            )
        if not segment.text.strip():
            raise HTTPException(status_code=422, detail=f"Segment {index}: text cannot be empty")
    started_at = body.started_at or state.now()
    last_end = body.transcript_segments[-1].end
    finished_at = body.finished_at or started_at + timedelta(seconds=last_end)
    if finished_at <= started_at:
        raise HTTPException(status_code=422, detail="finished_at must be after started_at")
    conversation_id = new_uuid()
    if body.client_session_id is not None:
        conversation_id = session_conversation_id(state.config.user_id, body.client_session_id)
        existing = state.store.conversations.get(conversation_id)
        if existing is not None and existing.deleted:
            return ConversationCreateResponse(id=existing.id, status="deleted", discarded=True)
        if existing is not None:
            return _created(existing)
    segments = [
        new_segment(
            s.text,
            start=s.start,
            end=s.end,
            speaker=s.speaker,
            speaker_id=s.speaker_id,
            is_user=s.is_user,
            person_id=s.person_id,
        )
        for s in body.transcript_segments
    ]
    new = NewConversation(
        id=conversation_id,
        text="\n".join(s.text for s in segments),
        started_at=started_at,
        finished_at=finished_at,
        source=(body.source or ConversationSource.phone).value,
        language=body.language or "en",
        segments=segments,
        geolocation=_geolocation(body.geolocation),
    )
    return _created(ingest_conversation(state.store, new, state.now()))


@router.patch("/v1/dev/user/conversations/{conversation_id}")
async def update_conversation(
    conversation_id: str,
    body: UpdateConversationRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperConversation:
    """Set a durable title override and/or toggle ``discarded``."""
    record = _writable(state, conversation_id)
    if body.title is None and body.discarded is None:
        raise HTTPException(
            status_code=422, detail="At least one field (title or discarded) must be provided"
        )
    updated = dataclasses.replace(record, updated_at=state.now())
    if body.title is not None:
        updated = dataclasses.replace(updated, user_title=body.title.strip())
    if body.discarded is not None:
        updated = dataclasses.replace(updated, discarded=body.discarded)
    state.store.conversations.put(updated)
    return conversation_out(state, updated, include_transcript=False)


@router.delete("/v1/dev/user/conversations/{conversation_id}")
async def delete_conversation(
    conversation_id: str,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperSuccessResponse:
    """Delete a conversation (hidden everywhere from now on)."""
    record = _writable(state, conversation_id)
    state.store.conversations.put(dataclasses.replace(record, deleted=True, updated_at=state.now()))
    return DeveloperSuccessResponse(success=True)
