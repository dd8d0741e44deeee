"""The rate limiter every remote call of a service passes through before it is sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

from omisync.ratelimit.bucket import Bucket, to_ms
from omisync.ratelimit.errors import RateBudgetExhausted
from omisync.ratelimit.feedback import read_feedback
from omisync.ratelimit.limits import RateLimits
from omisync.ratelimit.store import MemoryUsageStore, UsageStore

# The bucket that takes the server's word when no configured limit matches a request.
SERVER_BUCKET = "server"


@dataclass(frozen=True, slots=True)
class WaitNotice:
    """The limiter is about to sleep ``seconds`` because bucket ``bucket`` of ``service`` is
    spent (``reason`` says why, in words)."""

    service: str
    bucket: str
    seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class BucketUsage:
    """How much of one bucket is spent right now."""

    bucket: str
    used: int
    limit: int | None
    per_seconds: float | None


class Permit:
    """The right to send one request, from :meth:`RateLimiter.acquire`.

    Use it as a context manager around the send; call :meth:`observe` with the response's
    headers. Leaving the block (normally or by an exception) records the request as done.
    """

    def __init__(self, limiter: RateLimiter, buckets: tuple[Bucket, ...], primary: Bucket) -> None:
        self._limiter = limiter
        self._buckets = buckets
        self._primary = primary
        self._finished = False

    def observe(self, headers: Mapping[str, str], status_code: int | None = None) -> None:
        """Learn from ``Retry-After`` / ``X-RateLimit-*`` in a response's ``headers``;
        ``status_code`` 429 marks a refusal."""
        self._limiter._learn(self._primary, headers, refused=status_code == 429)

    def finish(self) -> None:
        """Record the request as done (idempotent)."""
        if not self._finished:
            self._finished = True
            self._limiter._finish(self._buckets)

    def __enter__(self) -> Permit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish()


class RateLimiter:
    """Keeps a service's requests inside its limits; thread-safe.

    - ``limits``: what the service allows (see :class:`RateLimits`).
    - ``store``: where counts survive a restart (default: in memory only).
    - ``clock`` / ``sleep``: Unix time and how to wait; inject both in tests.
    - ``max_wait``: the longest a single request waits for budget, in seconds; beyond it
      :meth:`acquire` raises :class:`RateBudgetExhausted` instead of sleeping.
    - ``on_wait``: called with a :class:`WaitNotice` before every sleep (progress display).

    Server feedback (``Retry-After``, ``X-RateLimit-Limit/Remaining/Reset``) applies to a
    request's *primary* bucket: the first policy it names that has a configured limit, else
    the shared limit with the shortest window, else a server-only bucket. A limit the server
    announces only ever shrinks the configured one.
    """

    def __init__(
        self,
        service: str,
        limits: RateLimits | None = None,
        *,
        store: UsageStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 300.0,
        on_wait: Callable[[WaitNotice], None] | None = None,
    ) -> None:
        self.service = service
        self.limits = limits if limits is not None else RateLimits()
        self.max_wait = max_wait
        self.on_wait = on_wait
        self._store: UsageStore = store if store is not None else MemoryUsageStore()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {
            name: Bucket(name, limit)
            for name, limit in (*self.limits.shared.items(), *self.limits.policies.items())
        }
        self._shared = tuple(
            sorted(
                (self._buckets[name] for name in self.limits.shared),
                key=lambda bucket: bucket.window_ms,
            )
        )
        self._restore()

    def __repr__(self) -> str:
        return f"RateLimiter(service={self.service!r}, limits={self.limits!r})"

    # --- public -----------------------------------------------------------------------------

    def acquire(self, policies: Sequence[str] = ()) -> Permit:
        """Wait until a request charged to the shared limits and to ``policies`` may go out,
        reserve it, and return its :class:`Permit`.

        Raises :class:`RateBudgetExhausted` (nothing reserved) when the wait would exceed
        ``max_wait``.
        """
        while True:
            with self._lock:
                buckets, primary = self._buckets_for(policies)
                now = self._clock()
                wait, holder = max(((b.wait_needed(now), b) for b in buckets), key=_first)
                if wait <= 0:
                    for bucket in buckets:
                        bucket.reserve()
                    return Permit(self, buckets, primary)
                reason = holder.wait_reason(now)
                if wait > self.max_wait:
                    raise RateBudgetExhausted(
                        self.service, holder.name, reason, wait, self.max_wait, now
                    )
            if self.on_wait is not None:
                self.on_wait(WaitNotice(self.service, holder.name, wait, reason))
            self._sleep(wait)

    def usage(self) -> list[BucketUsage]:
        """What each bucket has spent in its current window (for ``omisync status``)."""
        with self._lock:
            now = self._clock()
            return [
                BucketUsage(
                    bucket.name,
                    bucket.used(now),
                    bucket.max_requests,
                    bucket.limit.per_seconds if bucket.limit else None,
                )
                for bucket in self._buckets.values()
            ]

    # --- internals --------------------------------------------------------------------------

    def _buckets_for(self, policies: Sequence[str]) -> tuple[tuple[Bucket, ...], Bucket]:
        charged = [*self._shared]
        charged += [self._buckets[p] for p in policies if p in self.limits.policies]
        configured_policy = next((p for p in policies if p in self.limits.policies), None)
        if configured_policy is not None:
            primary = self._buckets[configured_policy]
        elif self._shared:
            primary = self._shared[0]
        else:
            name = policies[0] if policies else SERVER_BUCKET
            primary = self._buckets.setdefault(name, Bucket(name, None))
            charged.append(primary)
        return tuple(charged), primary

    def _finish(self, buckets: tuple[Bucket, ...]) -> None:
        with self._lock:
            now = self._clock()
            for bucket in buckets:
                slot = bucket.finish(now)
                if slot is None:
                    continue
                start, is_new = slot
                self._store.add(self.service, bucket.name, start, 1)
                if is_new:
                    self._store.prune(self.service, bucket.name, bucket.oldest_live_slot_ms(now))

    def _learn(self, primary: Bucket, headers: Mapping[str, str], *, refused: bool) -> None:
        with self._lock:
            now = self._clock()
            feedback = read_feedback(headers, now)
            if not feedback.is_empty:
                primary.learn(feedback, now, refused=refused)

    def _restore(self) -> None:
        now = self._clock()
        since = to_ms(now - self.limits.longest_window) - max(
            (bucket.slot_ms for bucket in self._buckets.values()), default=1
        )
        per_bucket: dict[str, list[tuple[int, int]]] = {}
        for record in self._store.load(self.service, since):
            per_bucket.setdefault(record.bucket, []).append((record.window_start, record.count))
        for name, slots in per_bucket.items():
            if name in self._buckets:
                self._buckets[name].restore(slots, now)


def _first(pair: tuple[float, Bucket]) -> float:
    return pair[0]
