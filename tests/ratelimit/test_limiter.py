"""RateLimiter: counting, waiting, learning from the server, giving up, persistence."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.ratelimit import (
    Limit,
    MemoryUsageStore,
    RateBudgetExhausted,
    RateLimiter,
    RateLimits,
    WaitNotice,
)
from omisync.ratelimit.testing import ManualClock

PER_MINUTE = RateLimits(shared={"per_minute": Limit(5, 60)})


def make(
    limits: RateLimits = PER_MINUTE,
    clock: ManualClock | None = None,
    **kwargs: object,
) -> tuple[RateLimiter, ManualClock]:
    clock = clock or ManualClock()
    limiter = RateLimiter("svc", limits, clock=clock.now, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]
    return limiter, clock


def send(
    limiter: RateLimiter,
    policies: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    status: int = 200,
) -> None:
    with limiter.acquire(policies) as permit:
        permit.observe(headers or {}, status)


def test_requests_within_the_limit_go_out_at_once() -> None:
    limiter, clock = make()
    for _ in range(5):
        send(limiter)
    assert clock.sleeps == []


def test_the_request_over_the_limit_waits_until_the_oldest_leaves_the_window() -> None:
    limiter, clock = make()
    start = clock.time
    for _ in range(5):
        send(limiter)
    send(limiter)
    assert len(clock.sleeps) == 1
    # Counted in 0.6 s slots: the first slot leaves the window 60.6 s after it began.
    assert 60 <= clock.time - start <= 60.6 + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 20),
    window=st.sampled_from([1.0, 10.0, 60.0]),
    gaps=st.lists(st.floats(0, 3), min_size=1, max_size=80),
)
def test_no_window_ever_holds_more_than_the_limit(
    limit: int, window: float, gaps: list[float]
) -> None:
    """Whatever the pace of the caller, any stretch of ``window`` seconds sees <= limit sends."""
    limiter, clock = make(RateLimits(shared={"w": Limit(limit, window)}))
    sent: list[float] = []
    for gap in gaps:
        clock.advance(gap)
        with limiter.acquire():
            sent.append(clock.time)
    for i, t in enumerate(sent):
        in_window = [u for u in sent[i:] if u < t + window]
        assert len(in_window) <= limit


def test_a_steady_caller_gets_close_to_the_full_rate() -> None:
    limiter, clock = make(RateLimits(shared={"w": Limit(100, 1.0)}))
    start = clock.time
    for _ in range(1000):
        send(limiter)
    rate = 1000 / (clock.time - start)
    assert rate >= 95


def test_policies_count_separately_and_shared_limits_count_everything() -> None:
    limits = RateLimits(
        shared={"per_hour": Limit(10, 3600)},
        policies={"reads": Limit(3, 3600), "writes": Limit(3, 3600)},
    )
    limiter, clock = make(limits, max_wait=10)
    for _ in range(3):
        send(limiter, ("reads",))
    for _ in range(3):
        send(limiter, ("writes",))
    with pytest.raises(RateBudgetExhausted, match="'reads'"):
        limiter.acquire(("reads",))
    for _ in range(4):
        send(limiter, ("unlisted",))
    with pytest.raises(RateBudgetExhausted, match="'per_hour'"):
        limiter.acquire(("unlisted",))
    assert clock.sleeps == []


def test_retry_after_blocks_the_primary_bucket_and_waiting_is_announced() -> None:
    notices: list[WaitNotice] = []
    limiter, clock = make(on_wait=notices.append)
    send(limiter, headers={"Retry-After": "7"})
    send(limiter)
    assert clock.sleeps == [7]
    assert notices == [WaitNotice("svc", "per_minute", 7, "the server asked to wait (Retry-After)")]


def test_retry_after_as_an_http_date() -> None:
    limiter, clock = make()
    clock.time = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
    send(limiter, headers={"retry-after": "Tue, 14 Nov 2023 22:13:50 GMT"})
    send(limiter)
    assert clock.sleeps == [30]


def test_a_server_limit_below_the_configured_one_shrinks_the_budget() -> None:
    limiter, _ = make(max_wait=1)
    send(limiter, headers={"X-RateLimit-Limit": "2"})
    send(limiter)
    with pytest.raises(RateBudgetExhausted, match=r"2 requests per 60 s"):
        limiter.acquire()
    send_again, _ = make(max_wait=1)
    send(send_again, headers={"X-RateLimit-Limit": "1000"})
    for _ in range(4):
        send(send_again)
    with pytest.raises(RateBudgetExhausted, match=r"5 requests per 60 s"):
        send_again.acquire()


def test_a_limit_announced_with_a_refusal_is_not_taken() -> None:
    """It may describe another window (the backend's hourly buckets); Retry-After rules."""
    limiter, clock = make()
    send(limiter, headers={"X-RateLimit-Limit": "1", "Retry-After": "2"}, status=429)
    for _ in range(4):
        send(limiter)
    assert clock.sleeps == [2]


def test_remaining_zero_with_reset_waits_for_the_reset() -> None:
    limiter, clock = make()
    reset_at = int(clock.time) + 42
    send(
        limiter,
        headers={
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_at),
        },
    )
    send(limiter)
    assert clock.sleeps == [pytest.approx(42)]


def test_remaining_budget_is_spent_before_the_reset() -> None:
    limiter, clock = make(RateLimits(shared={"w": Limit(100, 60)}))
    send(limiter, headers={"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "30"})
    send(limiter)
    send(limiter)
    assert clock.sleeps == []
    send(limiter)
    assert clock.sleeps == [30]


def test_a_server_count_that_matches_ours_adds_no_wait() -> None:
    """A coarse (whole-second) reset adds nothing when our own count already explains it."""
    limiter, clock = make(RateLimits(shared={"w": Limit(3, 1.0)}))
    start = clock.time
    for remaining in (2, 1, 0):
        clock.advance(0.01)
        send(limiter, headers={"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": "5"})
    send(limiter)
    assert clock.time - start < 1.1


def test_a_wait_longer_than_max_wait_raises_and_reserves_nothing() -> None:
    limits = RateLimits(shared={"per_day": Limit(2, 86_400)})
    limiter, clock = make(limits, max_wait=60)
    send(limiter)
    send(limiter)
    with pytest.raises(RateBudgetExhausted) as caught:
        limiter.acquire()
    assert caught.value.wait > 86_000
    assert "'per_day' (2 requests per 86400 s)" in str(caught.value)
    assert "try again later" in str(caught.value)
    assert [u.used for u in limiter.usage()] == [2]
    assert clock.sleeps == []


def test_a_long_server_block_says_the_server_asked() -> None:
    limiter, _ = make(max_wait=60)
    send(limiter, headers={"Retry-After": "3600"}, status=429)
    with pytest.raises(RateBudgetExhausted, match=r"server asked to wait .* in 1h") as caught:
        limiter.acquire()
    assert caught.value.bucket == "per_minute"


def test_a_bucket_that_allows_nothing_says_so() -> None:
    limiter, _ = make(RateLimits(shared={"off": Limit(0, 60)}))
    with pytest.raises(RateBudgetExhausted, match="allows no requests") as caught:
        limiter.acquire()
    assert math.isinf(caught.value.wait)


def test_without_configured_limits_only_the_server_is_obeyed() -> None:
    limiter, clock = make(RateLimits())
    for _ in range(50):
        send(limiter, ("anything",))
    send(limiter, ("anything",), headers={"Retry-After": "3"})
    send(limiter, ("anything",))
    send(limiter, ("other",))
    assert clock.sleeps == [3]


def test_a_failed_send_still_counts() -> None:
    limiter, _ = make()
    with pytest.raises(ConnectionError), limiter.acquire():
        raise ConnectionError("dropped")
    assert [u.used for u in limiter.usage()] == [1]


def test_counts_survive_a_restart_through_the_store() -> None:
    store = MemoryUsageStore()
    limits = RateLimits(shared={"per_day": Limit(3, 86_400)})
    first, clock = make(limits, store=store, max_wait=60)
    for _ in range(3):
        send(first)
    clock.advance(3600)
    second, _ = make(limits, clock=clock, store=store, max_wait=60)
    with pytest.raises(RateBudgetExhausted):
        second.acquire()
    clock.advance(86_400)
    third, _ = make(limits, clock=clock, store=store, max_wait=60)
    send(third)


def test_old_slots_are_pruned_from_the_store() -> None:
    store = MemoryUsageStore()
    limiter, clock = make(RateLimits(shared={"w": Limit(10, 10)}), store=store)
    for _ in range(50):
        send(limiter)
        clock.advance(1)
    starts = [r.window_start for r in store.load("svc", 0)]
    assert len(starts) <= 12
    assert min(starts) >= (clock.time - 11) * 1000


def test_threads_sharing_a_limiter_never_exceed_it() -> None:
    """Real threads, real (tiny) sleeps: 40 requests at 10 per 0.2 s take >= 0.6 s."""
    import time

    limiter = RateLimiter("svc", RateLimits(shared={"w": Limit(10, 0.2)}))
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            with limiter.acquire(), lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 40
    assert stamps[-1] - stamps[0] >= 0.6 - 0.01
