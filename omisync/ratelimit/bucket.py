"""One rate-limit bucket: how many requests it allows, what it has spent, what the server said.

Counting is a sliding window over short slots: a window is cut into ``SLOTS_PER_WINDOW``
slots and a slot counts until it lies wholly outside the window, so the count never
underestimates. Requests are counted when they *finish*: for one caller sending in sequence
this keeps every stretch of ``per_seconds`` at the server under the limit whatever the
latency, because a request cannot reach the server after its answer came back. Requests
still in flight count as spent.

Not thread-safe: :class:`~omisync.ratelimit.limiter.RateLimiter` holds a lock around it.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from omisync.ratelimit.feedback import ServerFeedback
from omisync.ratelimit.limits import Limit

SLOTS_PER_WINDOW = 100

# How long to wait before looking again when only requests in flight hold the budget.
IN_FLIGHT_POLL_SECONDS = 0.05


def to_ms(seconds: float) -> int:
    """Unix seconds to whole milliseconds (rounded down)."""
    return math.floor(seconds * 1000)


class Bucket:
    """The state of one named limit (or of a server-only bucket when ``limit`` is None)."""

    def __init__(self, name: str, limit: Limit | None) -> None:
        self.name = name
        self.limit = limit
        self.learned_max: int | None = None
        self.in_flight = 0
        self.blocked_until = 0.0
        self.window_ms = to_ms(limit.per_seconds) if limit else 0
        self.slot_ms = max(1, self.window_ms // SLOTS_PER_WINDOW)
        self._slots: OrderedDict[int, int] = OrderedDict()
        self._hint_remaining: int | None = None
        self._hint_until = 0.0

    # --- what the bucket allows -------------------------------------------------------------

    @property
    def max_requests(self) -> int | None:
        """The configured limit, shrunk to what the server announced; None when unlimited."""
        if self.limit is None:
            return None
        if self.learned_max is None:
            return self.limit.requests
        return min(self.limit.requests, self.learned_max)

    def used(self, now: float) -> int:
        """Requests counted against the window ending ``now``, in flight included."""
        self._drop_expired(now)
        return self.in_flight + sum(self._slots.values())

    def wait_needed(self, now: float) -> float:
        """Seconds until one more request may go out: 0 now, ``math.inf`` never."""
        return max(wait for wait, _ in self._waits(now))

    def wait_reason(self, now: float) -> str:
        """Why :meth:`wait_needed` is not 0, in words."""
        return max(self._waits(now), key=lambda pair: pair[0])[1]

    def _waits(self, now: float) -> list[tuple[float, str]]:
        waits = [(0.0, "")]
        if self.blocked_until > now:
            waits.append((self.blocked_until - now, "the server asked to wait (Retry-After)"))
        if self._hint_remaining is not None:
            if self._hint_until <= now:
                self._hint_remaining = None
            elif self._hint_remaining <= 0:
                waits.append((self._hint_until - now, "the server reports 0 requests remaining"))
        window_wait = self._wait_for_window(now)
        if math.isinf(window_wait):
            waits.append((window_wait, f"{self.describe()} allows no requests"))
        else:
            waits.append((window_wait, f"{self.describe()} is spent"))
        return waits

    def _wait_for_window(self, now: float) -> float:
        maximum = self.max_requests
        if maximum is None:
            return 0.0
        if maximum <= 0:
            return math.inf
        excess = self.used(now) + 1 - maximum
        if excess <= 0:
            return 0.0
        freed = 0
        for start, count in self._slots.items():
            freed += count
            if freed >= excess:
                expires_ms = start + self.slot_ms + self.window_ms
                return max(0.0, expires_ms / 1000 - now)
        return IN_FLIGHT_POLL_SECONDS

    # --- spending ---------------------------------------------------------------------------

    def reserve(self) -> None:
        """Count one request as in flight."""
        self.in_flight += 1
        if self._hint_remaining is not None:
            self._hint_remaining -= 1

    def finish(self, now: float) -> tuple[int, bool] | None:
        """Move one in-flight request into the slot of ``now``.

        Returns ``(slot_start_ms, is_new_slot)`` for the caller to persist, or None for a
        server-only bucket, which keeps no counts.
        """
        self.in_flight = max(0, self.in_flight - 1)
        if self.limit is None:
            return None
        now_ms = to_ms(now)
        start = now_ms - now_ms % self.slot_ms
        is_new = start not in self._slots
        self._slots[start] = self._slots.get(start, 0) + 1
        return start, is_new

    def restore(self, slots: list[tuple[int, int]], now: float) -> None:
        """Add ``(slot_start_ms, count)`` pairs persisted by an earlier run, if still live."""
        if self.limit is None:
            return
        now_ms = to_ms(now)
        for start, count in slots:
            if not self._expired(start, now_ms):
                self._slots[start] = self._slots.get(start, 0) + count
        self._slots = OrderedDict(sorted(self._slots.items()))

    def oldest_live_slot_ms(self, now: float) -> int:
        """Slots starting before this (ms) no longer count and may be forgotten."""
        return to_ms(now) - self.window_ms - self.slot_ms + 1

    def _expired(self, start_ms: int, now_ms: int) -> bool:
        return start_ms + self.slot_ms <= now_ms - self.window_ms

    def _drop_expired(self, now: float) -> None:
        now_ms = to_ms(now)
        while self._slots:
            start = next(iter(self._slots))
            if not self._expired(start, now_ms):
                break
            del self._slots[start]

    # --- learning from the server -----------------------------------------------------------

    def learn(self, feedback: ServerFeedback, now: float, *, refused: bool) -> None:
        """Apply what a response said: a block, a smaller limit, a remaining budget.

        A limit announced with a refusal is not taken: it describes whichever of the server's
        buckets refused, whose window we cannot know (``Retry-After`` covers the refusal).
        """
        if feedback.retry_after is not None:
            self.blocked_until = max(self.blocked_until, now + feedback.retry_after)
        if feedback.limit is not None and self.limit is not None and not refused:
            current = self.learned_max if self.learned_max is not None else feedback.limit
            self.learned_max = min(current, feedback.limit)
        if feedback.remaining is not None and feedback.reset_after is not None:
            maximum = self.max_requests
            own_remaining = math.inf if maximum is None else maximum - self.used(now)
            # Only a server that knows of more use than we counted (another client on the
            # key, a longer window) adds anything; otherwise its reset, rounded up to whole
            # seconds, would only slow us down.
            if feedback.remaining < own_remaining:
                self._hint_remaining = feedback.remaining
                self._hint_until = now + feedback.reset_after
            else:
                self._hint_remaining = None

    def describe(self) -> str:
        """The bucket in words, e.g. ``'per_minute' (100 requests per 60 s)``."""
        maximum = self.max_requests
        if self.limit is None or maximum is None:
            return f"{self.name!r} (server-announced)"
        return f"{self.name!r} ({maximum} requests per {self.limit.per_seconds:g} s)"
