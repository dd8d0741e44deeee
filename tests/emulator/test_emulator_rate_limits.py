"""Rate-limit profiles over real HTTP: the doc's (headers everywhere, daily cap) and the
backend's (per-key, per-policy fixed windows, headers on 429 only) (omi-api.md §4, §7, §8)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from emulator_helpers import dev_client

from omisync.emulator import Bucket, EmulatorConfig, RateLimitConfig, RunningEmulator

Factory = Callable[[EmulatorConfig], RunningEmulator]
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after")


def start(factory: Factory, profile: str, **buckets: Bucket) -> RunningEmulator:
    limits = RateLimitConfig(
        profile=profile,  # type: ignore[arg-type]
        overrides={name.replace("__", ":"): b for name, b in buckets.items()},
    )
    return factory(EmulatorConfig(rate_limits=limits))


def test_docs_profile_sends_rate_headers_on_every_counted_response(
    omi_emulator_factory: Factory,
) -> None:
    emulator = start(omi_emulator_factory, "docs")
    with dev_client(emulator) as api:
        first = api.get("/user/memories")
        second = api.patch("/user/memories/unknown", json={"tags": []})
    unauthenticated = httpx.get(f"{emulator.base_url}/user/memories")

    assert first.headers["x-ratelimit-limit"] == "100"
    assert first.headers["x-ratelimit-remaining"] == "99"
    assert abs(int(first.headers["x-ratelimit-reset"]) - (time.time() + 60)) <= 2
    assert second.status_code == 404
    assert second.headers["x-ratelimit-remaining"] == "98"
    assert "retry-after" not in first.headers
    assert not any(h in unauthenticated.headers for h in RATE_HEADERS)


def test_docs_profile_refuses_over_the_per_key_minute(omi_emulator_factory: Factory) -> None:
    emulator = start(omi_emulator_factory, "docs", docs__per_key_minute=Bucket(3, 60))
    other_key = emulator.create_key("second", None)
    with dev_client(emulator) as api, dev_client(emulator, other_key) as other:
        statuses = [api.get("/user/action-items").status_code for _ in range(4)]
        refused = api.get("/user/action-items")
        other_status = other.get("/user/action-items").status_code

    assert statuses == [200, 200, 200, 429]
    assert refused.json() == {"detail": "Rate limit exceeded. Try again in 60s."}
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert other_status == 200


def test_docs_daily_cap_is_per_user_and_counts_refused_requests(
    omi_emulator_factory: Factory,
) -> None:
    emulator = start(
        omi_emulator_factory,
        "docs",
        docs__per_key_minute=Bucket(2, 0.3),
        docs__per_user_day=Bucket(4, 86_400),
    )
    other_key = emulator.create_key("second", None)
    with dev_client(emulator) as api, dev_client(emulator, other_key) as other:
        burst = [api.get("/user/memories").status_code for _ in range(3)]
        time.sleep(0.35)
        after_window = api.get("/user/memories").status_code
        capped = other.get("/user/memories")

    assert burst == [200, 200, 429]
    assert after_window == 200
    assert capped.status_code == 429
    assert int(capped.headers["retry-after"]) > 86_000


def test_backend_profile_is_silent_until_it_refuses(omi_emulator_factory: Factory) -> None:
    emulator = start(omi_emulator_factory, "backend", dev__memories_read=Bucket(2, 3600))
    with dev_client(emulator) as api:
        ok = [api.get("/user/memories") for _ in range(2)]
        refused = api.get("/user/memories")
        refused_again = api.get("/user/memories")
        other_policy = api.get("/user/action-items")

    assert all(r.status_code == 200 for r in ok)
    assert not any(h in r.headers for r in ok for h in RATE_HEADERS)
    assert refused.status_code == refused_again.status_code == 429
    assert refused.json() == {"detail": "Rate limit exceeded. Try again in 3600s."}
    assert refused.headers["retry-after"] == "3600"
    assert refused.headers["x-ratelimit-limit"] == "2"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert "x-ratelimit-reset" not in refused.headers
    assert other_policy.status_code == 200


def test_backend_windows_are_per_key_and_expire(omi_emulator_factory: Factory) -> None:
    emulator = start(omi_emulator_factory, "backend", dev__action_items_write=Bucket(1, 0.3))
    other_key = emulator.create_key("writer", ["action_items:write"])
    with dev_client(emulator) as api, dev_client(emulator, other_key) as other:
        first = api.post("/user/action-items", json={"description": "a"}).status_code
        second = api.post("/user/action-items", json={"description": "b"})
        other_first = other.post("/user/action-items", json={"description": "c"}).status_code
        time.sleep(0.35)
        after = api.post("/user/action-items", json={"description": "d"}).status_code

    assert (first, second.status_code, other_first, after) == (200, 429, 200, 200)
    assert second.headers["retry-after"] == "1"


def test_transcript_reads_charge_a_second_policy(omi_emulator_factory: Factory) -> None:
    emulator = start(
        omi_emulator_factory,
        "backend",
        dev__conversation_transcript_read=Bucket(1, 3600),
        dev__conversations_read=Bucket(10, 3600),
    )
    with dev_client(emulator) as api:
        first = api.get("/user/conversations", params={"include_transcript": "true"})
        second = api.get("/user/conversations", params={"include_transcript": "true"})
        plain = api.get("/user/conversations")

    assert (first.status_code, second.status_code, plain.status_code) == (200, 429, 200)
    assert second.headers["x-ratelimit-limit"] == "1"
    # Refused requests count too (omi-api.md §4).
    assert emulator.rate_limit_usage() == {
        "dev:conversations_read": 3,
        "dev:conversation_transcript_read": 2,
    }
    emulator.reset_rate_limits()
    assert emulator.rate_limit_usage() == {}


def test_scope_is_checked_before_the_rate_limit(omi_emulator_factory: Factory) -> None:
    emulator = start(omi_emulator_factory, "docs", docs__per_key_minute=Bucket(2, 3600))
    reader = emulator.create_key("reader", None)
    with dev_client(emulator, reader) as api:
        forbidden = [
            api.post("/user/memories", json={"content": "x"}).status_code for _ in range(3)
        ]
        reads = [api.get("/user/memories").status_code for _ in range(3)]
        forbidden_when_limited = api.post("/user/memories", json={"content": "x"}).status_code

    assert forbidden == [403, 403, 403]
    assert reads == [200, 200, 429]
    assert forbidden_when_limited == 403


def test_scale_factors_shrink_the_default_tables(omi_emulator_factory: Factory) -> None:
    limits = RateLimitConfig(profile="backend", limit_scale=0.025, window_scale=0.0001)
    emulator = omi_emulator_factory(EmulatorConfig(rate_limits=limits))

    with dev_client(emulator) as api:
        statuses = [api.get("/user/memories").status_code for _ in range(4)]
        time.sleep(0.4)
        after = api.get("/user/memories").status_code

    bucket = emulator.state.limiter.bucket("dev:memories_read")
    assert (bucket.limit, round(bucket.window_seconds, 6)) == (3, 0.36)
    assert statuses == [200, 200, 200, 429]
    assert after == 200


def test_off_profile_never_limits(api: httpx.Client) -> None:
    responses = [api.get("/user/folders") for _ in range(150)]

    assert {r.status_code for r in responses} == {200}
    assert not any(h in responses[-1].headers for h in RATE_HEADERS)
