"""The client's rate limiter against the emulator's rate-limit profiles, with tiny windows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omisync.emulator import Bucket, EmulatorConfig, RateLimitConfig, RunningEmulator
from omisync.omi import NewActionItem, OmiClient, RateLimitedError
from omisync.ratelimit import Limit, RateLimiter, RateLimits, SqliteUsageStore, WaitNotice


def statuses(emu: RunningEmulator) -> dict[str, int]:
    by_status: dict[str, int] = emu.stats()["by_status"]
    return by_status


EmulatorFactory = Callable[[EmulatorConfig], RunningEmulator]


@pytest.fixture
def backend(omi_emulator_factory: EmulatorFactory) -> RunningEmulator:
    """The backend profile; action-item writes allow 4 per 0.5 s, reads 3 per 0.5 s."""
    limits = RateLimitConfig(
        profile="backend",
        overrides={
            "dev:action_items_write": Bucket(4, 0.5),
            "dev:action_items_read": Bucket(3, 0.5),
        },
    )
    return omi_emulator_factory(EmulatorConfig(rate_limits=limits))


def test_a_client_that_knows_the_limits_is_never_refused(backend: RunningEmulator) -> None:
    emu = backend
    limits = RateLimits(
        policies={
            "dev:action_items_write": Limit(4, 0.5),
            "dev:action_items_read": Limit(3, 0.5),
        }
    )
    notices: list[WaitNotice] = []
    limiter = RateLimiter("omi", limits, on_wait=notices.append)
    with OmiClient(emu.base_url, emu.api_key, limiter=limiter) as client:
        for i in range(10):
            client.action_items.create(f"Task {i}")
        assert len(client.action_items.scan(page_size=4)) == 10
    assert statuses(emu) == {"200": 10 + 5}  # pages of 4, 4, 2, 0 and the look-ahead
    # 10 writes at 4 per window: at least the 5th and the 9th wait for the write bucket.
    write_waits = [n for n in notices if n.bucket == "dev:action_items_write"]
    assert len(write_waits) >= 2, notices
    assert notices[0].bucket == "dev:action_items_write"


def test_a_429_from_an_unknown_limit_is_waited_out_and_learned(
    backend: RunningEmulator,
) -> None:
    emu = backend
    with OmiClient(emu.base_url, emu.api_key) as client:  # the doc's defaults: 100/min
        items = client.action_items.create_batch([NewActionItem(f"T{i}") for i in range(250)])
    assert len(items) == 250
    assert statuses(emu) == {"200": 5, "429": 1}
    requests = emu.stats()["requests"]
    assert [r["status"] for r in requests] == [200, 200, 200, 200, 429, 200]


def test_a_retry_after_beyond_max_wait_is_raised(backend: RunningEmulator) -> None:
    emu = backend
    limiter = RateLimiter("omi", max_wait=0.1)
    with OmiClient(emu.base_url, emu.api_key, limiter=limiter) as client:
        client.action_items.scan()  # 2 reads: the empty page and its look-ahead
        with pytest.raises(RateLimitedError) as caught:  # the 4th read
            client.action_items.scan()
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 1
    assert "Rate limit exceeded. Try again in 1s." in str(caught.value)


@pytest.fixture
def docs(omi_emulator_factory: EmulatorFactory) -> RunningEmulator:
    """The doc's profile shrunk to 5 requests per 0.5 s per key (500 per 720 s per user)."""
    limits = RateLimitConfig(profile="docs", window_scale=1 / 120, limit_scale=0.05)
    return omi_emulator_factory(EmulatorConfig(rate_limits=limits))


def test_the_limit_the_server_announces_shrinks_the_budget(docs: RunningEmulator) -> None:
    emu = docs
    configured = RateLimits(shared={"per_minute": Limit(50, 0.5), "per_day": Limit(500, 720)})
    limiter = RateLimiter("omi", configured)
    with OmiClient(emu.base_url, emu.api_key, limiter=limiter) as client:
        for i in range(12):
            client.memories.create(f"Memory {i}")
    assert statuses(emu) == {"200": 12}
    usage = {u.bucket: u.limit for u in limiter.usage()}
    assert usage["per_minute"] == 5


def test_the_daily_budget_survives_a_restart(docs: RunningEmulator, tmp_path: Path) -> None:
    emu = docs
    limits = RateLimits(shared={"per_minute": Limit(5, 0.5), "per_day": Limit(4, 720)})

    def client() -> OmiClient:
        store = SqliteUsageStore(tmp_path / "state.db")
        return OmiClient(emu.base_url, emu.api_key, limiter=RateLimiter("omi", limits, store=store))

    with client() as first:
        for _ in range(2):  # 2 requests each: the empty page and its look-ahead
            first.memories.scan()
    with client() as second, pytest.raises(RateLimitedError) as caught:
        second.memories.scan()
    assert caught.value.status_code is None
    assert "'per_day' (4 requests per 720 s) is spent" in str(caught.value)
    assert emu.stats()["total"] == 4
