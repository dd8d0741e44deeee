"""``/v1/dev/user/action-items``: list, create, batch create, PATCH, DELETE (no GET by id)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request

from omisync.emulator.auth import require
from omisync.emulator.models import (
    BatchActionItemsRequest,
    BatchActionItemsResponse,
    CreateActionItemRequest,
    DeveloperActionItem,
    DeveloperSuccessResponse,
    UpdateActionItemRequest,
)
from omisync.emulator.routes.listing import apply_short_page_fault, clamp_page
from omisync.emulator.state import EmulatorState, StateDep
from omisync.emulator.store import ActionItemFilter, ActionItemRecord, KeyRecord
from omisync.emulator.timeutil import as_utc

router = APIRouter(tags=["Action Items"])

MAX_LIMIT = 1000
NOT_FOUND = "Action item not found"
LOCKED = "A paid plan is required to access this action item."

_read = require("action_items:read", "dev:action_items_read")
_write = require("action_items:write", "dev:action_items_write")


def action_item_out(record: ActionItemRecord) -> DeveloperActionItem:
    """Return the ``DeveloperActionItem`` view of a stored action item."""
    return DeveloperActionItem(
        id=record.id,
        description=record.description,
        completed=record.completed,
        created_at=record.created_at,
        updated_at=record.updated_at,
        due_at=record.due_at,
        completed_at=record.completed_at,
        conversation_id=record.conversation_id,
    )


def _create(state: EmulatorState, body: CreateActionItemRequest) -> ActionItemRecord:
    return state.store.action_items.create(
        body.description.strip(),
        completed=body.completed,
        due_at=body.due_at,
        now=state.now(),
    )


def _unlocked(state: EmulatorState, item_id: str) -> ActionItemRecord:
    record = state.store.action_items.get(item_id)
    if record is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    if record.is_locked:
        raise HTTPException(status_code=402, detail=LOCKED)
    return record


@router.get("/v1/dev/user/action-items")
async def list_action_items(
    request: Request,
    _key: Annotated[KeyRecord, Depends(_read)],
    state: StateDep,
    conversation_id: str | None = None,
    completed: bool | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DeveloperActionItem]:
    """One page (clamped 1..1000, default 100) in the backend's order; locked rows are
    removed after the page is cut, so pages can come back short."""
    limit, offset = clamp_page(limit, offset, MAX_LIMIT)
    query = ActionItemFilter(
        conversation_id=conversation_id,
        completed=completed,
        start=None if start_date is None else as_utc(start_date),
        end=None if end_date is None else as_utc(end_date),
    )
    page = state.store.action_items.list_page(query, limit=limit, offset=offset)
    visible = [r for r in page if not r.is_locked]
    return [action_item_out(r) for r in apply_short_page_fault(request, state, visible)]


@router.post("/v1/dev/user/action-items")
async def create_action_item(
    body: CreateActionItemRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperActionItem:
    """Create an action item (a new id on every call: not idempotent)."""
    if not body.description.strip():
        raise HTTPException(status_code=422, detail="description cannot be empty")
    return action_item_out(_create(state, body))


@router.post("/v1/dev/user/action-items/batch")
async def create_action_items_batch(
    body: BatchActionItemsRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> BatchActionItemsResponse:
    """Create up to 50 action items, all or nothing, answered in input order."""
    if any(not item.description.strip() for item in body.action_items):
        raise HTTPException(
            status_code=422, detail="All action items must have non-empty descriptions"
        )
    with state.store.db.transaction():
        created = [_create(state, item) for item in body.action_items]
    return BatchActionItemsResponse(
        action_items=[action_item_out(r) for r in created], created_count=len(created)
    )


@router.patch("/v1/dev/user/action-items/{action_item_id}")
async def update_action_item(
    action_item_id: str,
    body: UpdateActionItemRequest,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperActionItem:
    """Change description, completion or due date; ``due_at: null`` is ignored (upstream
    cannot clear a due date). Every accepted change bumps ``updated_at``."""
    record = _unlocked(state, action_item_id)
    if body.description is None and body.completed is None and body.due_at is None:
        raise HTTPException(status_code=422, detail="At least one field must be provided")
    if body.description is not None and not body.description.strip():
        raise HTTPException(status_code=422, detail="description cannot be empty")
    now = state.now()
    updated = dataclasses.replace(record, updated_at=now)
    if body.description is not None:
        updated = dataclasses.replace(updated, description=body.description.strip())
    if body.completed is not None:
        completed_at = now if body.completed else None
        updated = dataclasses.replace(updated, completed=body.completed, completed_at=completed_at)
    if body.due_at is not None:
        updated = dataclasses.replace(updated, due_at=body.due_at)
    return action_item_out(state.store.action_items.put(updated))


@router.delete("/v1/dev/user/action-items/{action_item_id}")
async def delete_action_item(
    action_item_id: str,
    _key: Annotated[KeyRecord, Depends(_write)],
    state: StateDep,
) -> DeveloperSuccessResponse:
    """Hard-delete an action item."""
    _unlocked(state, action_item_id)
    state.store.action_items.delete(action_item_id)
    return DeveloperSuccessResponse(success=True)
