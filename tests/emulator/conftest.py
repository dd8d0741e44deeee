"""Fixtures of the emulator's own tests: plain httpx clients against the running emulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import dev_client

from omisync.emulator import RunningEmulator


@pytest.fixture
def api(omi_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A client of the shared (freshly reset) emulator with its full-scope key."""
    with dev_client(omi_emulator) as client:
        yield client


@pytest.fixture
def firebase(omi_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A client sending the admin token as the "Firebase" bearer of ``/v1/dev/keys``."""
    with dev_client(omi_emulator, omi_emulator.admin_token) as client:
        yield client
