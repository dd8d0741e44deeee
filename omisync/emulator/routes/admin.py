"""``/_emulator/``: the emulator's own control surface (never part of ``/v1/dev``).

Every route but ``health`` needs ``Authorization: Bearer <admin token>``:

- ``GET /_emulator/health`` -> ``{"status": "ok"}``;
- ``GET|POST /_emulator/faults``: read / replace the fault settings (body: the fields of
  :class:`~omisync.emulator.config.FaultConfig`; ``{}`` clears every fault);
- ``POST /_emulator/seed``: store records as given (:class:`~omisync.emulator.seed.SeedPayload`);
- ``POST /_emulator/lock``: ``{"kind": "memory"|"action_item"|"conversation", "id", "locked"}``;
- ``POST /_emulator/reset``: ``{"sample_data": false}`` empties the data (keys stay), the rate
  windows, the request log, and restores the startup faults;
- ``GET /_emulator/rate-limits``: ``{"profile", "used": {bucket: requests}}``, what each
  bucket counted in its open windows (every key together);
- ``POST /_emulator/rate-limits/reset``: forget every rate window;
- ``GET|DELETE /_emulator/stats``: the request log (:class:`~omisync.emulator.stats.RequestLog`);
- ``GET /_emulator/records``: every stored record, hidden fields and rows included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from fastapi import APIRouter, Depends, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from omisync.emulator.auth import emulator_admin
from omisync.emulator.config import FaultConfig
from omisync.emulator.sample_data import load_sample_data
from omisync.emulator.seed import SeedPayload, SeedResult, apply_seed
from omisync.emulator.state import StateDep

router = APIRouter(prefix="/_emulator", tags=["Emulator admin"])
guarded = APIRouter(prefix="/_emulator", dependencies=[Depends(emulator_admin)])


class _Lockable(Protocol):
    def set_locked(self, record_id: str, locked: bool, /) -> bool: ...


class FaultSettings(BaseModel):
    """Body of ``POST /_emulator/faults`` (absent fields take their defaults = no fault)."""

    seed: int = 0
    error_rate: float = 0.0
    fail_next: int = 0
    error_status: int = 500
    error_body: Any = None
    drop_rate: float = 0.0
    drop_next: int = 0
    latency_ms: int = 0
    latency_next: int | None = None
    answer_latency_ms: int = 0
    storm_429: int = 0
    retry_after: int = 1
    short_page_drop: int = 0
    path_contains: str | None = None


class LockRequest(BaseModel):
    """Body (and answer) of ``POST /_emulator/lock``."""

    kind: Literal["memory", "action_item", "conversation"]
    id: str
    locked: bool = True


class ResetRequest(BaseModel):
    """Body of ``POST /_emulator/reset``."""

    sample_data: bool = False


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness probe (no auth, no secrets)."""
    return {"status": "ok"}


@guarded.get("/faults")
async def get_faults(
    state: StateDep,
) -> dict[str, object]:
    """The fault settings and what is left of the one-shot counters."""
    return state.faults.snapshot()


@guarded.post("/faults")
async def set_faults(
    body: FaultSettings,
    state: StateDep,
) -> dict[str, object]:
    """Replace every fault setting; 422 names a bad value."""
    try:
        config = FaultConfig(**body.model_dump())
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    state.faults.configure(config)
    return state.faults.snapshot()


@guarded.post("/seed")
async def seed(
    body: SeedPayload,
    state: StateDep,
) -> SeedResult:
    """Store the given records; answer their ids in payload order."""
    return apply_seed(state.store, body, state.now())


@guarded.post("/lock")
async def lock(
    body: LockRequest,
    state: StateDep,
) -> LockRequest:
    """Lock or unlock one record (as a lapsed paid plan would); 404 if it does not exist."""
    tables: dict[str, _Lockable] = {
        "memory": state.store.memories,
        "action_item": state.store.action_items,
        "conversation": state.store.conversations,
    }
    if not tables[body.kind].set_locked(body.id, body.locked):
        raise HTTPException(status_code=404, detail=f"No {body.kind} with id {body.id!r}")
    return body


@guarded.post("/reset")
async def reset(
    state: StateDep,
    body: ResetRequest | None = None,
) -> dict[str, bool]:
    """Empty the data (keys stay), rate windows and log; restore the startup faults."""
    state.store.db.clear_data()
    state.limiter.reset()
    state.log.clear()
    state.faults.configure(state.config.faults)
    if body is not None and body.sample_data:
        load_sample_data(state.store, state.now())
    return {"reset": True}


@guarded.get("/rate-limits")
async def rate_limits(
    state: StateDep,
) -> dict[str, object]:
    """The profile and the requests each bucket counted in its open windows."""
    return {"profile": state.limiter.profile, "used": state.limiter.usage()}


@guarded.post("/rate-limits/reset")
async def reset_rate_limits(
    state: StateDep,
) -> dict[str, bool]:
    """Forget every rate-limit window."""
    state.limiter.reset()
    return {"reset": True}


@guarded.get("/stats")
async def stats(
    state: StateDep,
) -> dict[str, object]:
    """The ``/v1/dev`` request log."""
    return state.log.summary()


@guarded.delete("/stats")
async def clear_stats(
    state: StateDep,
) -> dict[str, bool]:
    """Empty the request log."""
    state.log.clear()
    return {"cleared": True}


@guarded.get("/records")
async def records(
    state: StateDep,
) -> dict[str, Any]:
    """Every stored record with all its fields (locked, deleted, discarded ... included)."""
    store = state.store
    tables: dict[str, Sequence[Any]] = {
        "memories": store.memories.list_all(),
        "action_items": store.action_items.list_all(),
        "conversations": store.conversations.list_all(),
        "folders": store.folders.list_all(),
    }
    encoded: dict[str, Any] = jsonable_encoder(
        {name: [dataclasses.asdict(r) for r in rows] for name, rows in tables.items()}
    )
    return encoded
