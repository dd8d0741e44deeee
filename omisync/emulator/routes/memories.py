"""``/v1/dev/user/memories``: list, create, batch create, PATCH, DELETE (no GET by id)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request

from omisync.emulator.auth import require
from omisync.emulator.models import (
    BatchMemoriesRequest,
    BatchMemoriesResponse,
    CreateMemoryRequest,
    DeveloperMemory,
    DeveloperSuccessResponse,
    MemoryCategory,
    UpdateMemoryRequest,
)
from omisync.emulator.pipeline import categorize_memory
from omisync.emulator.routes.listing import apply_short_page_fault, clamp_page, parse_categories
from omisync.emulator.state import EmulatorState, StateDep
from omisync.emulator.store import KeyRecord, MemoryRecord

router = APIRouter(tags=["Memories"])

MAX_LIMIT = 1000
LOCKED_PREVIEW_CHARS = 70
NOT_FOUND = "Memory not found"
LOCKED = "A paid plan is required to access this memory."

_read = require("memories:read", "dev:memories_read")
_write = require("memories:write", "dev:memories")
_write_batch = require("memories:write", "dev:memories_batch")


def memory_out(record: MemoryRecord, *, preview_locked: bool = False) -> DeveloperMemory:
    """Return the ``DeveloperMemory`` view of a stored memory.

    Unknown categories read as ``interesting`` and odd visibilities as ``private`` (as the
    backend's response model coerces them); with ``preview_locked`` a locked memory's content
    is cut to 70 characters + ``...``.
    """
    content = record.content
    if preview_locked and record.is_locked and len(content) > LOCKED_PREVIEW_CHARS:
        content = content[:LOCKED_PREVIEW_CHARS] + "..."
    try:
        category = MemoryCategory(record.category)
    except ValueError:
        category = MemoryCategory.interesting
    return DeveloperMemory(
        id=record.id,
        content=content,
        category=category,
        visibility=record.visibility if record.visibility in ("public", "private") else "private",
        tags=record.tags,
        created_at=record.created_at,
        updated_at=record.updated_at,
        manually_added=record.manually_added,
        reviewed=record.reviewed,
        user_review=record.user_review,
        edited=record.edited,
        scoring=record.scoring,
    )


def _created_out(record: MemoryRecord) -> DeveloperMemory:
    # The create answer leaves scoring out and shows the review flags unset, although the
    # stored memory is reviewed (upstream's legacy create path).
    return memory_out(record).model_copy(
        update={"scoring": None, "reviewed": False, "user_review": None, "edited": False}
    )


def _save(state: EmulatorState, body: CreateMemoryRequest) -> MemoryRecord:
    content = body.content.strip()
    category = body.category.value if body.category else categorize_memory(content)
    return state.store.memories.save_content(
        content,
        category=category,
        visibility=body.visibility,
        tags=body.tags,
        now=state.now(),
        manually_added=True,
    )


@router.get("/v1/dev/user/memories")
async def list_memories(
    request: Request,
    _key: Annotated[KeyRecord, Depends(_read)],
    state: StateDep,
    limit: int = 25,
    offset: int = 0,
    categories: str | None = None,
) -> list[DeveloperMemory]:
    """One page of memories (clamped 1..1000, default 25), ``scoring`` desc then newest."""
    category_list = parse_categories(categories, MemoryCategory)
    limit, offset = clamp_page(limit, offset, MAX_LIMIT)
    rows = state.store.memories.list_visible(limit=limit, offset=offset, categories=category_list)
    return [
        memory_out(r, preview_locked=True) for r in apply_short_page_fault(request, state, rows)
    ]


@router.post("/v1/dev/user/memories")
async def create_memory(
    body: CreateMemoryRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperMemory:
    """Create (or, for the same content, overwrite) a memory."""
    if not body.content.strip():
        raise HTTPException(status_code=422, detail="content cannot be empty")
    return _created_out(_save(state, body))


@router.post("/v1/dev/user/memories/batch")
async def create_memories_batch(
    body: BatchMemoriesRequest,
    _key: Annotated[KeyRecord, Depends(_write_batch)],
    state: StateDep,
) -> BatchMemoriesResponse:
    """Create up to 25 memories, all or nothing."""
    if any(not item.content.strip() for item in body.memories):
        raise HTTPException(status_code=422, detail="All memories must have non-empty content")
    with state.store.db.transaction():
        saved = [_save(state, item) for item in body.memories]
    return BatchMemoriesResponse(
        memories=[_created_out(r) for r in saved], created_count=len(saved)
    )


@router.patch("/v1/dev/user/memories/{memory_id}")
async def update_memory(
    memory_id: str,
    body: UpdateMemoryRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperMemory:
    """Change content, visibility, tags or category.

    Content sets ``edited``; content, tags and category bump ``updated_at``; visibility alone
    does not. ``scoring`` is never recomputed.
    """
    if all(v is None for v in (body.content, body.visibility, body.tags, body.category)):
        raise HTTPException(
            status_code=422,
            detail="At least one field (content, visibility, tags, or category) must be provided",
        )
    if body.visibility is not None and body.visibility not in ("public", "private"):
        raise HTTPException(status_code=422, detail="visibility must be 'public' or 'private'")
    if body.content is not None and not body.content.strip():
        raise HTTPException(status_code=422, detail="content cannot be empty")
    record = state.store.memories.get(memory_id)
    if record is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    if record.is_locked:
        raise HTTPException(status_code=402, detail=LOCKED)
    updated = record
    if body.content is not None:
        updated = dataclasses.replace(updated, content=body.content.strip(), edited=True)
    if body.visibility is not None:
        updated = dataclasses.replace(updated, visibility=body.visibility)
    if body.tags is not None:
        updated = dataclasses.replace(updated, tags=list(body.tags))
    if body.category is not None:
        updated = dataclasses.replace(updated, category=body.category.value)
    if body.content is not None or body.tags is not None or body.category is not None:
        updated = dataclasses.replace(updated, updated_at=state.now())
    state.store.memories.put(updated)
    return memory_out(updated)


@router.delete("/v1/dev/user/memories/{memory_id}")
async def delete_memory(
    memory_id: str,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperSuccessResponse:
    """Hard-delete a memory."""
    record = state.store.memories.get(memory_id)
    if record is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    if record.is_locked:
        raise HTTPException(status_code=402, detail=LOCKED)
    state.store.memories.delete(memory_id)
    return DeveloperSuccessResponse(success=True)
