"""The emulator's HTTP routes: one module per resource of ``/v1/dev``, plus ``/_emulator/``."""

from __future__ import annotations

from fastapi import APIRouter

from omisync.emulator.routes import action_items, admin, conversations, folders, keys, memories

#: Every router the app mounts, in the order FastAPI should try them.
ROUTERS: tuple[APIRouter, ...] = (
    keys.router,
    memories.router,
    action_items.router,
    conversations.router,
    folders.router,
    admin.router,
    admin.guarded,
)
