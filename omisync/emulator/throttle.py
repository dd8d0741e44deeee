"""The emulator's rate limits: the public doc's profile and the backend's per-policy profile.

Both count requests in fixed windows that start with the first request (a Redis INCR plus an
EXPIRE on the first hit, upstream). A refused request still counts.

- ``docs``: per key 100/min, per user 10,000/day; ``X-RateLimit-Limit/Remaining/Reset``
  on every response that passed the limiter (Reset = epoch seconds), ``Retry-After`` on 429.
- ``backend``: one bucket per key and per policy (``dev:memories_read`` ...); nothing on
  success; on 429 ``X-RateLimit-Limit``, ``X-RateLimit-Remaining: 0`` and ``Retry-After``.
  Transcript reads charge a second policy.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omisync.emulator.config import Bucket, RateLimitConfig

DOCS_KEY_BUCKET = "docs:per_key_minute"
DOCS_USER_BUCKET = "docs:per_user_day"

#: The public doc's limits.
DOCS_BUCKETS: Mapping[str, Bucket] = {
    DOCS_KEY_BUCKET: Bucket(100, 60.0),
    DOCS_USER_BUCKET: Bucket(10_000, 86_400.0),
}

_HOUR = 3600.0
#: The backend's policies (omi-api.md §4). ``dev:key_read``'s value was never seen upstream;
#: 120/h is an assumption.
BACKEND_POLICIES: Mapping[str, Bucket] = {
    "dev:memories_read": Bucket(120, _HOUR),
    "dev:action_items_read": Bucket(120, _HOUR),
    "dev:goals_read": Bucket(120, _HOUR),
    "dev:conversations_read": Bucket(60, _HOUR),
    "dev:conversation_detail_read": Bucket(60, _HOUR),
    "dev:conversation_transcript_read": Bucket(25, _HOUR),
    "dev:conversations": Bucket(25, _HOUR),
    "dev:memories": Bucket(120, _HOUR),
    "dev:memories_batch": Bucket(15, _HOUR),
    "dev:action_items_write": Bucket(120, _HOUR),
    "dev:goals_write": Bucket(120, _HOUR),
    "dev:ask": Bucket(25, _HOUR),
    "dev:key_read": Bucket(120, _HOUR),
}

#: Where the limiter leaves headers for :class:`RateLimitHeadersMiddleware` in the ASGI scope.
SCOPE_HEADERS_KEY = "omisync.emulator.rate_headers"


def rate_limited_detail(retry_after: int) -> str:
    """Return the backend's 429 ``detail`` string."""
    return f"Rate limit exceeded. Try again in {retry_after}s."


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The outcome of charging one request.

    ``headers`` go on the response whatever its status (docs profile); ``refusal_headers``
    only on the 429 (``retry_after`` > 0 when refused).
    """

    allowed: bool
    retry_after: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    refusal_headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Window:
    started: float
    count: int = 0


@dataclass(frozen=True, slots=True)
class _Charge:
    bucket: Bucket
    count: int
    seconds_left: float

    @property
    def refused(self) -> bool:
        return self.count > self.bucket.limit

    @property
    def remaining(self) -> int:
        return max(0, self.bucket.limit - self.count)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.seconds_left))


class RateLimiter:
    """Counts requests per key (and per policy) and decides which ones to refuse.

    ``monotonic`` times the windows; ``wall`` gives the epoch for ``X-RateLimit-Reset``.
    Thread-safe.
    """

    def __init__(
        self,
        config: RateLimitConfig,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._monotonic = monotonic
        self._wall = wall
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    @property
    def profile(self) -> str:
        """The active profile name (``docs``, ``backend`` or ``off``)."""
        return self._config.profile

    def bucket(self, name: str) -> Bucket:
        """Return the effective bucket ``name`` (override, else the scaled default).

        Raises KeyError for a name neither table knows.
        """
        override = self._config.overrides.get(name)
        if override is not None:
            return override
        default = DOCS_BUCKETS.get(name) or BACKEND_POLICIES[name]
        return Bucket(
            max(1, math.floor(default.limit * self._config.limit_scale)),
            default.window_seconds * self._config.window_scale,
        )

    def announced_limit(self, policy: str | None) -> int | None:
        """The ``X-RateLimit-Limit`` a 429 of a request charged to ``policy`` carries: the
        per-key bucket (docs), the policy's bucket (backend), None when nothing limits it
        (``off``, or a route with no policy)."""
        if self._config.profile == "docs":
            return self.bucket(DOCS_KEY_BUCKET).limit
        if self._config.profile == "backend" and policy is not None:
            return self.bucket(policy).limit
        return None

    def charge(self, key_id: str, policy: str) -> RateDecision:
        """Count one request of ``key_id`` under ``policy`` and decide on it."""
        if self._config.profile == "off":
            return RateDecision(allowed=True)
        if self._config.profile == "backend":
            return self._charge_backend(key_id, policy)
        return self._charge_docs(key_id)

    def charge_extra(self, key_id: str, policy: str) -> RateDecision:
        """Count a second policy for the same request (backend only; the doc counts requests)."""
        if self._config.profile != "backend":
            return RateDecision(allowed=True)
        return self._charge_backend(key_id, policy)

    def usage(self) -> dict[str, int]:
        """Requests counted per bucket in the windows still open, summed over keys (for
        ``GET /_emulator/rate-limits``: which buckets a request was charged to)."""
        now = self._monotonic()
        used: dict[str, int] = {}
        with self._lock:
            for (name, _), window in self._windows.items():
                if now < window.started + self.bucket(name).window_seconds:
                    used[name] = used.get(name, 0) + window.count
        return used

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()

    def _count(self, name: str, subject: str) -> _Charge:
        bucket = self.bucket(name)
        now = self._monotonic()
        with self._lock:
            window = self._windows.get((name, subject))
            if window is None or now >= window.started + bucket.window_seconds:
                window = _Window(started=now)
                self._windows[(name, subject)] = window
            window.count += 1
            return _Charge(bucket, window.count, window.started + bucket.window_seconds - now)

    def _charge_backend(self, key_id: str, policy: str) -> RateDecision:
        charge = self._count(policy, key_id)
        if not charge.refused:
            return RateDecision(allowed=True)
        return RateDecision(
            allowed=False,
            retry_after=charge.retry_after,
            refusal_headers={
                "X-RateLimit-Limit": str(charge.bucket.limit),
                "X-RateLimit-Remaining": "0",
                "Retry-After": str(charge.retry_after),
            },
        )

    def _charge_docs(self, key_id: str) -> RateDecision:
        per_key = self._count(DOCS_KEY_BUCKET, key_id)
        per_user = self._count(DOCS_USER_BUCKET, "user")
        binding = per_user if per_user.remaining < per_key.remaining else per_key
        headers = {
            "X-RateLimit-Limit": str(per_key.bucket.limit),
            "X-RateLimit-Remaining": str(binding.remaining),
            "X-RateLimit-Reset": str(math.ceil(self._wall() + binding.seconds_left)),
        }
        refused = [c for c in (per_key, per_user) if c.refused]
        if not refused:
            return RateDecision(allowed=True, headers=headers)
        retry_after = max(c.retry_after for c in refused)
        return RateDecision(
            allowed=False,
            retry_after=retry_after,
            headers=headers,
            refusal_headers={"Retry-After": str(retry_after)},
        )


class RateLimitHeadersMiddleware:
    """Adds the headers a request's :class:`RateDecision` left in the scope to its response.

    Headers already on the response win (a 429 carries its own).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Forward the request; decorate the response start with the stored headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            extra: dict[str, str] | None = scope.get(SCOPE_HEADERS_KEY)
            if message["type"] == "http.response.start" and extra:
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
