"""The client's rate-limit tables against the emulator's ``backend`` profile.

The tables are compared name for name and number for number; then every client route is
sent to the emulator, and the buckets the client's limiter charged must be the buckets the
emulator counted for it. Last, every route runs against the backend profile with the hour
shrunk to 25 ms and the limits to 1-6 per window: the client waits where it must and is
never refused (``backend_rate_limits(boost, window_scale=...)`` mirrors the emulator's
``RateLimitConfig(limit_scale=..., window_scale=...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from omisync.emulator import BACKEND_POLICIES as EMULATOR_POLICIES
from omisync.emulator import EmulatorConfig, RateLimitConfig, RunningEmulator
from omisync.omi import (
    BACKEND_POLICIES,
    OPT_IN_POLICIES,
    ROUTE_POLICIES,
    NewActionItem,
    NewMemory,
    NewSegment,
    OmiClient,
    backend_rate_limits,
    omi_rate_limits,
)
from omisync.ratelimit import Limit, RateLimiter, RateLimits, WaitNotice

HOUR = 3600.0
KEY_READ = "dev:key_read"
EmulatorFactory = Callable[[EmulatorConfig], RunningEmulator]

# --- the tables ---------------------------------------------------------------------------


def test_the_client_knows_every_backend_policy_with_the_emulators_numbers() -> None:
    emulator = {name: (b.limit, b.window_seconds) for name, b in EMULATOR_POLICIES.items()}
    client = {name: (limit.requests, limit.per_seconds) for name, limit in BACKEND_POLICIES.items()}
    # dev:key_read's number was never seen upstream: the emulator assumes one, the client
    # learns it from the server.
    assert client == {name: value for name, value in emulator.items() if name != KEY_READ}
    assert not set(OPT_IN_POLICIES) & set(EMULATOR_POLICIES)


def test_unconfirmed_policies_are_charged_only_when_opted_in() -> None:
    assert "dev:conversation_reads_total" not in backend_rate_limits().policies
    opted = backend_rate_limits(policies=OPT_IN_POLICIES)
    assert opted.policies["dev:conversation_reads_total"] == Limit(60, HOUR)


def test_backend_limits_scale_by_boost_and_window_scale() -> None:
    limits = backend_rate_limits(100, window_scale=1 / 3600)
    assert limits.policies["dev:memories_batch"] == Limit(1500, 1.0)
    tiny = backend_rate_limits(0.01).policies
    assert tiny["dev:memories_batch"] == Limit(1, HOUR)  # rounded down, but at least 1
    assert tiny["dev:memories_read"] == Limit(1, HOUR)
    given = backend_rate_limits(100, policies={KEY_READ: Limit(5, 60), "dev:ask": Limit(2, 9)})
    assert given.policies[KEY_READ] == Limit(5, 60)  # as given: neither boosted nor scaled
    assert given.policies["dev:ask"] == Limit(2, 9)
    assert backend_rate_limits(2.0) == omi_rate_limits("backend", boost=2.0)


def test_bad_limit_settings_name_the_fix() -> None:
    with pytest.raises(ValueError, match="boost must be > 0, got 0"):
        backend_rate_limits(0)
    with pytest.raises(ValueError, match="window_scale must be > 0, got -1"):
        backend_rate_limits(window_scale=-1)
    with pytest.raises(ValueError, match=r"unknown Omi rate-limit policy 'dev:memory_read'.*"):
        omi_rate_limits("docs", policies={"dev:memory_read": Limit(1, 1)})
    docs = omi_rate_limits("docs", policies={"dev:memories_batch": Limit(3, 60)})
    assert docs.policies == {"dev:memories_batch": Limit(3, 60)}


# --- every route, sent to the emulator ----------------------------------------------------


@dataclass
class Records:
    """Ids seeded in the emulator for the routes that need one (deletes take a fresh one)."""

    memories: list[str]
    action_items: list[str]
    conversations: list[str]
    sessions: list[str] = field(default_factory=lambda: [f"session-{i}" for i in range(99)])


def seed_records(emu: RunningEmulator, count: int) -> Records:
    segment = {"text": "We talked about the garden.", "start": 0.0, "end": 2.0}
    ids = emu.seed(
        {
            "memories": [{"content": f"Seeded memory {i}"} for i in range(count)],
            "action_items": [{"description": f"Seeded item {i}"} for i in range(count)],
            "conversations": [
                {"title": f"Talk {i}", "transcript_segments": [segment]} for i in range(count)
            ],
        }
    )
    return Records(ids["memories"], ids["action_items"], ids["conversations"])


RouteCall = Callable[[OmiClient, Records], object]
SEGMENTS = [NewSegment("I need to water the garden tomorrow.", 0.0, 3.0, is_user=True)]

#: One way to send each client route: (method, route, with transcript) -> the call.
ROUTE_CALLS: dict[tuple[str, str, bool], RouteCall] = {
    ("GET", "user/memories", False): lambda omi, _: omi.memories.scan(),
    ("POST", "user/memories", False): lambda omi, _: omi.memories.create("Likes tea"),
    ("POST", "user/memories/batch", False): lambda omi, _: omi.memories.create_batch(
        [NewMemory("Likes coffee")]
    ),
    ("PATCH", "user/memories/{memory_id}", False): lambda omi, r: omi.memories.update(
        r.memories[0], tags=["x"]
    ),
    ("DELETE", "user/memories/{memory_id}", False): lambda omi, r: omi.memories.delete(
        r.memories.pop()
    ),
    ("GET", "user/action-items", False): lambda omi, _: omi.action_items.scan(),
    ("POST", "user/action-items", False): lambda omi, _: omi.action_items.create("Call Bo"),
    ("POST", "user/action-items/batch", False): lambda omi, _: omi.action_items.create_batch(
        [NewActionItem("Call Al")]
    ),
    ("PATCH", "user/action-items/{action_item_id}", False): lambda omi, r: omi.action_items.update(
        r.action_items[0], completed=True
    ),
    ("DELETE", "user/action-items/{action_item_id}", False): lambda omi, r: omi.action_items.delete(
        r.action_items.pop()
    ),
    ("GET", "user/conversations", False): lambda omi, _: omi.conversations.scan(),
    ("GET", "user/conversations", True): lambda omi, _: omi.conversations.scan(
        include_transcript=True
    ),
    ("GET", "user/conversations/{conversation_id}", False): lambda omi, r: omi.conversations.get(
        r.conversations[0]
    ),
    ("GET", "user/conversations/{conversation_id}", True): lambda omi, r: omi.conversations.get(
        r.conversations[0], include_transcript=True
    ),
    ("POST", "user/conversations", False): lambda omi, _: omi.conversations.create_from_text(
        "I need to send the budget tomorrow."
    ),
    ("POST", "user/conversations/from-segments", False): lambda omi, r: (
        omi.conversations.create_from_segments(SEGMENTS, client_session_id=r.sessions.pop())
    ),
    ("PATCH", "user/conversations/{conversation_id}", False): lambda omi, r: (
        omi.conversations.update(r.conversations[0], title="Renamed")
    ),
    ("DELETE", "user/conversations/{conversation_id}", False): lambda omi, r: (
        omi.conversations.delete(r.conversations.pop())
    ),
    ("GET", "key", False): lambda omi, _: omi.key_info(),
    ("GET", "keys", False): lambda omi, _: omi.keys.list(),
    ("POST", "keys", False): lambda omi, _: omi.keys.create("Spare", scopes=None),
    ("DELETE", "keys/{key_id}", False): lambda omi, _: omi.keys.revoke("no-such-key"),
}


def test_every_client_route_has_a_call_here() -> None:
    assert {(method, route) for method, route, _ in ROUTE_CALLS} == set(ROUTE_POLICIES)


def used_buckets(limiter: RateLimiter) -> dict[str, int]:
    return {usage.bucket: usage.used for usage in limiter.usage() if usage.used}


def charged(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name, used in after.items() if used > before.get(name, 0)}


def client_of(
    emu: RunningEmulator,
    limits: RateLimits,
    on_wait: Callable[[WaitNotice], None] | None = None,
) -> OmiClient:
    limiter = RateLimiter("omi", limits, on_wait=on_wait)
    return OmiClient(emu.base_url, emu.api_key, id_token=emu.admin_token, limiter=limiter)


def test_each_route_is_charged_to_the_buckets_the_emulator_counts(
    omi_emulator_factory: EmulatorFactory,
) -> None:
    emu = omi_emulator_factory(EmulatorConfig(rate_limits=RateLimitConfig(profile="backend")))
    records = seed_records(emu, 2)
    # dev:key_read gets a number so the client's limiter counts it too.
    limits = backend_rate_limits(policies={KEY_READ: Limit(120, HOUR)})
    mismatches = {}
    with client_of(emu, limits) as omi:
        for route, call in ROUTE_CALLS.items():
            emu.reset_rate_limits()
            before = used_buckets(omi.limiter)
            call(omi, records)
            ours, theirs = charged(before, used_buckets(omi.limiter)), set(emu.rate_limit_usage())
            if ours != theirs:
                mismatches[route] = (sorted(ours), sorted(theirs))
    assert mismatches == {}
    assert set(emu.stats()["by_status"]) == {"200", "204"}  # 204: the key revoke


WINDOW_SCALE = 0.025 / HOUR  # the hour becomes 25 ms
BOOST = 0.05  # 120 -> 6, 60 -> 3, 25 -> 1, 15 -> 1 per window
ROUNDS = 2


def test_every_route_against_the_scaled_backend_profile_is_never_refused(
    omi_emulator_factory: EmulatorFactory,
) -> None:
    limits = RateLimitConfig(profile="backend", window_scale=WINDOW_SCALE, limit_scale=BOOST)
    emu = omi_emulator_factory(EmulatorConfig(rate_limits=limits))
    records = seed_records(emu, ROUNDS)
    notices: list[WaitNotice] = []
    client_limits = backend_rate_limits(BOOST, window_scale=WINDOW_SCALE)
    with client_of(emu, client_limits, on_wait=notices.append) as omi:
        for call in ROUTE_CALLS.values():
            for _ in range(ROUNDS):  # back to back: buckets allow 1 to 6 per window
                call(omi, records)
    by_status = emu.stats()["by_status"]
    assert "429" not in by_status and by_status["200"] >= ROUNDS * len(ROUTE_CALLS)
    assert notices  # the limits were binding: the client had to wait
