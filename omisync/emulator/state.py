"""The live state of one emulator app, shared by its routes and middleware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from omisync.emulator.config import EmulatorConfig
from omisync.emulator.connections import ConnectionRegistry
from omisync.emulator.faults import FaultState
from omisync.emulator.stats import RequestLog
from omisync.emulator.store import Store
from omisync.emulator.throttle import RateLimiter


@dataclass(slots=True)
class EmulatorState:
    """Config, startup key, database, limiter, faults, request log and live connections of
    one app."""

    config: EmulatorConfig
    api_key: str = field(repr=False)
    store: Store
    limiter: RateLimiter
    faults: FaultState
    log: RequestLog = field(default_factory=RequestLog)
    connections: ConnectionRegistry = field(default_factory=ConnectionRegistry)

    def now(self) -> datetime:
        """Return "now" from the configured clock."""
        return self.config.clock()


def get_state(request: Request) -> EmulatorState:
    """FastAPI dependency: the :class:`EmulatorState` of the app serving ``request``."""
    state: EmulatorState = request.app.state.emulator
    return state


#: Route parameter type injecting the app's :class:`EmulatorState`.
StateDep = Annotated[EmulatorState, Depends(get_state)]
