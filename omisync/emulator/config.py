"""Configuration of an emulator instance: identity, storage, rate-limit profile, faults.

Everything is a frozen dataclass so a config can be shared between threads and reused; the
emulator keeps its mutable state (counters, remaining fault counts) elsewhere.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from omisync.emulator.timeutil import Clock, system_clock

RateLimitProfile = Literal["docs", "backend", "off"]
RATE_LIMIT_PROFILES: tuple[RateLimitProfile, ...] = ("docs", "backend", "off")

#: Every scope a developer key can hold (omi-api.md §4).
ALL_SCOPES: tuple[str, ...] = (
    "conversations:read",
    "conversations:write",
    "memories:read",
    "memories:write",
    "action_items:read",
    "action_items:write",
    "goals:read",
    "goals:write",
)
#: What a key whose stored scopes are null may do.
READ_ONLY_SCOPES: tuple[str, ...] = (
    "conversations:read",
    "memories:read",
    "action_items:read",
    "goals:read",
)


@dataclass(frozen=True, slots=True)
class Bucket:
    """A fixed-window limit: at most ``limit`` requests per ``window_seconds``."""

    limit: int
    window_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"rate-limit bucket limit must be >= 1, got {self.limit}")
        if self.window_seconds <= 0:
            raise ValueError(f"rate-limit window must be > 0 s, got {self.window_seconds}")


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Which rate limits the emulator enforces, and how to shrink them for tests.

    ``profile``:
      - ``docs``: the public doc's 100 requests/min per key plus 10,000/day per user, with
        ``X-RateLimit-Limit/Remaining/Reset`` on every rate-limited response
        (buckets ``docs:per_key_minute`` and ``docs:per_user_day``);
      - ``backend``: the backend's fixed windows per key and per policy (``dev:memories_read``
        ...), headers only on 429;
      - ``off``: no limits.

    ``window_scale`` multiplies every default window, ``limit_scale`` every default limit
    (floored, at least 1; the backend's ``RATE_LIMIT_BOOST``). ``overrides`` replaces whole
    buckets by name and is not scaled.
    """

    profile: RateLimitProfile = "docs"
    window_scale: float = 1.0
    limit_scale: float = 1.0
    overrides: Mapping[str, Bucket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.profile not in RATE_LIMIT_PROFILES:
            raise ValueError(
                f"unknown rate-limit profile {self.profile!r}; use one of {RATE_LIMIT_PROFILES}"
            )
        if self.window_scale <= 0 or self.limit_scale <= 0:
            raise ValueError("rate-limit window_scale and limit_scale must be > 0")


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Faults injected into ``/v1/dev`` requests (never into ``/_emulator/`` admin routes).

    Rates are probabilities drawn from a ``random.Random(seed)``, so a given sequence of
    requests always meets the same faults. ``*_next`` counters hit the next N requests.
    ``path_contains`` restricts every fault (and short pages) to paths containing that text.

    - ``error_rate`` / ``fail_next``: answer with ``error_status`` (any 4xx or 5xx) and
      ``error_body``: None sends the status's reason phrase as plain text (a crashing server
      or a load balancer), a string is sent as plain text as is, anything else as JSON (e.g.
      the doc's ``{"error": {"message", "code"}}`` or an object ``{"detail": {...}}``);
    - ``drop_rate`` / ``drop_next``: close the connection without any response;
    - ``latency_ms``: added delay, for every request or only the next ``latency_next``;
    - ``answer_latency_ms``: delay after the request was handled (a write is stored) and before
      its answer goes out, the window in which a client that dies loses the answer;
    - ``storm_429``: the next N requests get 429 with ``Retry-After: retry_after``;
    - ``short_page_drop``: list pages lose up to this many rows from their end (never all of a
      non-empty page), as the backend's dropped locked/malformed rows do.
    """

    seed: int = 0
    error_rate: float = 0.0
    fail_next: int = 0
    error_status: int = 500
    error_body: object = None
    drop_rate: float = 0.0
    drop_next: int = 0
    latency_ms: int = 0
    latency_next: int | None = None
    answer_latency_ms: int = 0
    storm_429: int = 0
    retry_after: int = 1
    short_page_drop: int = 0
    path_contains: str | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault {name} must be between 0 and 1, got {rate}")
        for name in (
            "fail_next",
            "drop_next",
            "latency_ms",
            "answer_latency_ms",
            "storm_429",
            "short_page_drop",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"fault {name} must be >= 0")
        if self.latency_next is not None and self.latency_next < 0:
            raise ValueError("fault latency_next must be >= 0 (or null for every request)")
        if not 400 <= self.error_status <= 599:
            raise ValueError(
                f"fault error_status must be a 4xx or 5xx code, got {self.error_status}"
            )
        if self.retry_after < 0:
            raise ValueError("fault retry_after must be >= 0")


def _new_admin_token() -> str:
    return "emu_admin_" + secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """Everything that defines one emulator instance.

    - ``api_key``: the raw developer key registered at start (``omi_dev_`` + 32 hex) with
      ``api_key_scopes`` (None stores null = read-only). None (the default): the key the
      database remembers from an earlier start, else a fresh random one; the key in use is
      ``RunningEmulator.api_key``;
    - ``admin_token``: the bearer token of ``/_emulator/`` and of the "Firebase"-authenticated
      ``/v1/dev/keys`` routes;
    - ``db_path``: SQLite file, or None for a private in-memory database;
    - ``sample_data``: load the sample account when the database holds no records;
    - ``clock``: source of "now" for stored timestamps.
    """

    api_key: str | None = field(default=None, repr=False)
    api_key_scopes: tuple[str, ...] | None = ALL_SCOPES
    admin_token: str = field(default_factory=_new_admin_token, repr=False)
    user_id: str = "emulator-user"
    user_name: str = "User"
    db_path: Path | None = None
    sample_data: bool = False
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock = system_clock

    def __post_init__(self) -> None:
        if self.api_key is not None and (
            not self.api_key.startswith("omi_dev_") or len(self.api_key) <= len("omi_dev_")
        ):
            raise ValueError("emulator api_key must look like omi_dev_<hex>")
        if not self.admin_token:
            raise ValueError("emulator admin_token must not be empty")
        if self.api_key_scopes is not None:
            unknown = sorted(set(self.api_key_scopes) - set(ALL_SCOPES))
            if unknown:
                raise ValueError(f"unknown scopes {unknown}; available: {list(ALL_SCOPES)}")
