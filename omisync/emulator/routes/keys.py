"""Developer keys: ``GET /v1/dev/key`` (the calling key) and ``/v1/dev/keys*`` management
(Firebase-authenticated upstream; here the emulator's admin token stands in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response

from omisync.emulator.auth import effective_scopes, firebase_user, require
from omisync.emulator.config import ALL_SCOPES
from omisync.emulator.models import DevApiKey, DevApiKeyCreate, DevApiKeyCreated
from omisync.emulator.state import StateDep
from omisync.emulator.store import KeyRecord

router = APIRouter(tags=["API Keys"])

_key_read = require(None, "dev:key_read")


def key_out(record: KeyRecord, *, scopes: list[str] | None = None) -> DevApiKey:
    """Return the listing view of a key (scopes as stored unless ``scopes`` is given)."""
    return DevApiKey(
        id=record.id,
        name=record.name,
        key_prefix=record.key_prefix,
        created_at=record.created_at,
        last_used_at=record.last_used_at,
        scopes=record.scopes if scopes is None else scopes,
    )


def _created(raw_key: str, record: KeyRecord) -> DevApiKeyCreated:
    return DevApiKeyCreated(**key_out(record).model_dump(), key=raw_key)


@router.get("/v1/dev/key")
async def get_own_key(
    key: Annotated[KeyRecord, Depends(_key_read)],
) -> DevApiKey:
    """The calling key, with its effective scopes (null stored scopes read as read-only)."""
    return key_out(key, scopes=effective_scopes(key))


@router.get("/v1/dev/keys")
async def list_keys(
    _uid: Annotated[str, Depends(firebase_user)],
    state: StateDep,
) -> list[DevApiKey]:
    """Every key, newest first."""
    return [key_out(record) for record in state.store.keys.list_all()]


@router.post("/v1/dev/keys")
async def create_key(
    body: DevApiKeyCreate,
    _uid: Annotated[str, Depends(firebase_user)],
    state: StateDep,
) -> DevApiKeyCreated:
    """Create a key; the raw key is in this answer only. Null scopes = read-only."""
    name = body.name.strip()
    if not name:
        raise HTTPException(status_code=422, detail="Key name cannot be empty")
    if "omi_dev_" in name:
        raise HTTPException(status_code=422, detail="Key name must not contain an API key")
    if body.scopes is not None and not set(body.scopes) <= set(ALL_SCOPES):
        raise HTTPException(
            status_code=400, detail=f"Invalid scopes. Available: {list(ALL_SCOPES)}"
        )
    raw_key, record = state.store.keys.create(name, body.scopes, state.now())
    return _created(raw_key, record)


@router.delete("/v1/dev/keys/{key_id}", status_code=204)
async def revoke_key(
    key_id: str,
    _uid: Annotated[str, Depends(firebase_user)],
    state: StateDep,
) -> Response:
    """Revoke a key; 204 even for an unknown id (as upstream)."""
    state.store.keys.delete(key_id)
    return Response(status_code=204)


@router.post("/v1/dev/keys/{key_id}/rotate")
async def rotate_key(
    key_id: str,
    _uid: Annotated[str, Depends(firebase_user)],
    state: StateDep,
) -> DevApiKeyCreated:
    """Give a key a new secret; the old one stops working at once."""
    rotated = state.store.keys.rotate(key_id)
    if rotated is None:
        raise HTTPException(status_code=404, detail="API key not found")
    return _created(*rotated)
