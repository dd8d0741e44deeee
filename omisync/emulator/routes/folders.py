"""``GET /v1/dev/user/folders``: the user's conversation folders (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from omisync.emulator.auth import require
from omisync.emulator.models import DeveloperFolder
from omisync.emulator.state import StateDep
from omisync.emulator.store import KeyRecord

router = APIRouter(tags=["Folders"])

_read = require("conversations:read", "dev:conversations_read")


@router.get("/v1/dev/user/folders")
async def list_folders(
    _key: Annotated[KeyRecord, Depends(_read)],
    state: StateDep,
) -> list[DeveloperFolder]:
    """Every folder in display order, with its live conversation count (may be empty)."""
    return [
        DeveloperFolder(
            id=f.id,
            name=f.name,
            description=f.description,
            color=f.color,
            icon=f.icon,
            created_at=f.created_at,
            updated_at=f.updated_at,
            order=f.position,
            is_default=f.is_default,
            is_system=f.is_system,
            conversation_count=state.store.conversations.count_in_folder(f.id),
        )
        for f in state.store.folders.list_all()
    ]
