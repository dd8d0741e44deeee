"""Helpers shared by the emulator tests (plain httpx, no omisync client code)."""

from __future__ import annotations

from datetime import datetime

import httpx

from omisync.emulator import RunningEmulator


def dev_client(emulator: RunningEmulator, key: str | None = None) -> httpx.Client:
    """Return an httpx client on ``emulator.base_url`` sending ``Bearer <key>`` (the startup
    key by default)."""
    return httpx.Client(
        base_url=emulator.base_url,
        headers={"Authorization": f"Bearer {key or emulator.api_key}"},
        timeout=10.0,
    )


def parse_instant(value: str) -> datetime:
    """Parse an ISO-8601 answer timestamp, insisting that it carries a UTC offset."""
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"timestamp without offset: {value}"
    return parsed


def iso(moment: datetime) -> str:
    """Return ``moment`` as an ISO-8601 string for a request."""
    return moment.isoformat()
