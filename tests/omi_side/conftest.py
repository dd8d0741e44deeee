"""Fixtures of the OmiSide tests: an OmiSide over a real Omi client talking to the shared Omi
emulator on 127.0.0.1, emptied before each test (helpers: ``omi_side_helpers``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from omi_side_helpers import ZONE, MakeClient

from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient, RetryPolicy
from omisync.omi_side import OmiSide
from omisync.ratelimit import RateLimiter


@pytest.fixture
def emu(omi_emulator: RunningEmulator) -> RunningEmulator:
    """The shared emulator, emptied, with an empty request log."""
    return omi_emulator


@pytest.fixture
def make_client(emu: RunningEmulator) -> Iterator[MakeClient]:
    """``make_client(api_key=..., attempts=...)``: a client of ``emu`` whose retries never
    sleep and whose limiter has no limits (the emulator runs without rate limits)."""
    clients: list[OmiClient] = []

    def make(api_key: str | None = None, attempts: int = 2) -> OmiClient:
        client = OmiClient(
            emu.base_url,
            api_key or emu.api_key,
            timeout=5.0,
            limiter=RateLimiter("omi"),
            retry=RetryPolicy(max_attempts=attempts, sleep=lambda _seconds: None),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def side(make_client: MakeClient) -> OmiSide:
    """An OmiSide of ``emu`` in Europe/Lisbon."""
    return OmiSide(make_client(), timezone=ZONE)
