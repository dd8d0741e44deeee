"""A faithful local Omi backend (``/v1/dev``): the server every test talks to, the engine of
``omisync demo``, and ``omisync emulator``.

Public surface::

    from omisync.emulator import EmulatorConfig, RateLimitConfig, FaultConfig, run_emulator

    with run_emulator(EmulatorConfig(rate_limits=RateLimitConfig(profile="backend"))) as emu:
        httpx.get(f"{emu.base_url}/user/memories",
                  headers={"Authorization": f"Bearer {emu.api_key}"})
        emu.set_faults(fail_next=2)

``RunningEmulator`` helpers drive the ``/_emulator/`` admin routes over HTTP: ``set_faults``,
``clear_faults``, ``seed``, ``lock``, ``reset``, ``reset_rate_limits``, ``stats``,
``clear_stats``, ``records``, ``create_key`` (see :mod:`omisync.emulator.routes.admin`).
``create_app(config)`` returns the bare ASGI app for other servers. Needs the ``emulator``
extra (FastAPI, uvicorn).
"""

from omisync.emulator.app import create_app
from omisync.emulator.config import (
    ALL_SCOPES,
    READ_ONLY_SCOPES,
    Bucket,
    EmulatorConfig,
    FaultConfig,
    RateLimitConfig,
    RateLimitProfile,
)
from omisync.emulator.server import EmulatorStartError, RunningEmulator, run_emulator
from omisync.emulator.throttle import BACKEND_POLICIES, DOCS_BUCKETS

__all__ = [
    "ALL_SCOPES",
    "BACKEND_POLICIES",
    "DOCS_BUCKETS",
    "READ_ONLY_SCOPES",
    "Bucket",
    "EmulatorConfig",
    "EmulatorStartError",
    "FaultConfig",
    "RateLimitConfig",
    "RateLimitProfile",
    "RunningEmulator",
    "create_app",
    "run_emulator",
]
