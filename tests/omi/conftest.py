"""Fixtures of the Omi client tests: a client over httpx.MockTransport (no server), and a
client of the shared Omi emulator on 127.0.0.1 (``omi_emulator`` from tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient, RetryPolicy
from omisync.ratelimit import RateLimiter
from omisync.ratelimit.testing import ManualClock

KEY = "omi_dev_" + "5e" * 16
TOKEN = "firebase-id-token-" + "c0ffee" * 4

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Answers requests with ``handler`` and keeps every request it saw."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[object]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


@pytest.fixture
def api_key() -> str:
    """The developer key the mock clients use (tests check it never leaks)."""
    return KEY


MockClient = Callable[[Handler], tuple[OmiClient, Recorder, ManualClock]]


@pytest.fixture
def mock_client() -> MockClient:
    """``mock_client(handler)`` -> (client, recorder, clock); sleeps advance a manual clock."""

    def make(handler: Handler) -> tuple[OmiClient, Recorder, ManualClock]:
        clock = ManualClock()
        recorder = Recorder(handler)
        limiter = RateLimiter("omi", clock=clock.now, sleep=clock.sleep)
        client = OmiClient(
            "https://omi.test/v1/dev",
            KEY,
            id_token=TOKEN,
            transport=httpx.MockTransport(recorder),
            limiter=limiter,
            retry=RetryPolicy(max_attempts=4, sleep=clock.sleep),
        )
        return client, recorder, clock

    return make


# --- the emulator over real loopback HTTP -------------------------------------------------


@pytest.fixture
def emu(omi_emulator: RunningEmulator) -> RunningEmulator:
    """The shared emulator (no rate limits), emptied for this test (tests/conftest.py)."""
    return omi_emulator


@dataclass
class Sleeps:
    """Retry backoffs the client asked for (returned at once, so tests never wait)."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def retry_sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def omi(emu: RunningEmulator, retry_sleeps: Sleeps) -> Iterator[OmiClient]:
    """A client of ``emu`` with the doc's default limits; retry backoffs do not wait."""
    with OmiClient(
        emu.base_url,
        emu.api_key,
        id_token=emu.admin_token,
        timeout=5.0,
        retry=RetryPolicy(max_attempts=3, sleep=retry_sleeps),
    ) as client:
        yield client
