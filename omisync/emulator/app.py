"""Building the emulator's ASGI app from an :class:`~omisync.emulator.config.EmulatorConfig`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Scope

from omisync.emulator.auth import route_policy
from omisync.emulator.config import EmulatorConfig
from omisync.emulator.faults import FaultInjectionMiddleware, FaultState
from omisync.emulator.identity import new_dev_key
from omisync.emulator.routes import ROUTERS
from omisync.emulator.sample_data import load_sample_data
from omisync.emulator.state import EmulatorState
from omisync.emulator.stats import RequestLogMiddleware
from omisync.emulator.store import Store
from omisync.emulator.throttle import RateLimiter, RateLimitHeadersMiddleware

STARTUP_KEY_NAME = "omisync emulator"


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """Return a ready FastAPI app emulating the Omi backend's ``/v1/dev`` surface.

    Opens (creating if needed) the configured database, registers the startup key
    (``config.api_key``, else the one the database remembers, else a random one; the
    database then remembers it) and, with ``sample_data``, loads the sample account into an
    empty database. The app's
    :class:`~omisync.emulator.state.EmulatorState` is at ``app.state.emulator``.
    Raises ``sqlite3.Error`` when the database cannot be opened.
    """
    config = config or EmulatorConfig()
    store = Store(config.db_path)
    api_key = config.api_key or store.keys.startup_key() or new_dev_key()
    store.keys.create(STARTUP_KEY_NAME, config.api_key_scopes, config.clock(), raw_key=api_key)
    store.keys.remember_startup_key(api_key)
    if config.sample_data and store.db.is_empty():
        load_sample_data(store, config.clock())
    state = EmulatorState(
        config=config,
        api_key=api_key,
        store=store,
        limiter=RateLimiter(config.rate_limits),
        faults=FaultState(config.faults),
    )
    app = FastAPI(
        title="Omi Developer API (omisync emulator)",
        docs_url=None,
        redoc_url=None,
        openapi_url="/_emulator/openapi.json",
    )
    app.state.emulator = state
    for router in ROUTERS:
        app.include_router(router)
    # Added innermost first: the request log sees faults, faults run before rate limiting.
    app.add_middleware(RateLimitHeadersMiddleware)
    routes = [route for router in ROUTERS for route in router.routes]

    def storm_limit(scope: Scope) -> int | None:
        return state.limiter.announced_limit(route_policy(routes, scope))

    app.add_middleware(
        FaultInjectionMiddleware,
        faults=state.faults,
        connections=state.connections,
        storm_limit=storm_limit,
    )
    app.add_middleware(RequestLogMiddleware, log=state.log)
    return app
