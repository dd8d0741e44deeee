"""Omi's rate limits: the public doc's numbers, the backend's per-policy table, and which
policy each route is charged to (omi-api.md §4)."""

from __future__ import annotations

from typing import Literal

from omisync.ratelimit import Limit, RateLimits

DOCS_PER_MINUTE = 100
DOCS_PER_DAY = 10_000

HOUR = 3600.0

#: The backend's fixed-window policies per key (requests per hour), before RATE_LIMIT_BOOST.
BACKEND_POLICIES: dict[str, Limit] = {
    "dev:memories_read": Limit(120, HOUR),
    "dev:action_items_read": Limit(120, HOUR),
    "dev:goals_read": Limit(120, HOUR),
    "dev:conversations_read": Limit(60, HOUR),
    "dev:conversation_detail_read": Limit(60, HOUR),
    "dev:conversation_transcript_read": Limit(25, HOUR),
    "dev:conversation_reads_total": Limit(60, HOUR),
    "dev:conversations": Limit(25, HOUR),
    "dev:memories": Limit(120, HOUR),
    "dev:memories_batch": Limit(15, HOUR),
    "dev:action_items_write": Limit(120, HOUR),
    "dev:goals_write": Limit(120, HOUR),
    "dev:ask": Limit(25, HOUR),
}

_CONVERSATION_READS = "dev:conversation_reads_total"
TRANSCRIPT_POLICY = "dev:conversation_transcript_read"

#: (method, route relative to the base URL) -> the policies a request is charged to.
#: ``dev:key_read`` has no known number: only what the server says applies to it. The key
#: management routes take a Firebase token and are counted by the shared limits only.
ROUTE_POLICIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "user/memories"): ("dev:memories_read",),
    ("POST", "user/memories"): ("dev:memories",),
    ("POST", "user/memories/batch"): ("dev:memories_batch",),
    ("PATCH", "user/memories/{memory_id}"): ("dev:memories",),
    ("DELETE", "user/memories/{memory_id}"): ("dev:memories",),
    ("GET", "user/action-items"): ("dev:action_items_read",),
    ("POST", "user/action-items"): ("dev:action_items_write",),
    ("POST", "user/action-items/batch"): ("dev:action_items_write",),
    ("PATCH", "user/action-items/{action_item_id}"): ("dev:action_items_write",),
    ("DELETE", "user/action-items/{action_item_id}"): ("dev:action_items_write",),
    ("GET", "user/conversations"): ("dev:conversations_read", _CONVERSATION_READS),
    ("GET", "user/conversations/{conversation_id}"): (
        "dev:conversation_detail_read",
        _CONVERSATION_READS,
    ),
    ("POST", "user/conversations"): ("dev:conversations",),
    ("POST", "user/conversations/from-segments"): ("dev:conversations",),
    ("PATCH", "user/conversations/{conversation_id}"): ("dev:conversations",),
    ("DELETE", "user/conversations/{conversation_id}"): ("dev:conversations",),
    ("GET", "key"): ("dev:key_read",),
    ("GET", "keys"): (),
    ("POST", "keys"): (),
    ("DELETE", "keys/{key_id}"): (),
}


def docs_rate_limits(per_minute: int = DOCS_PER_MINUTE, per_day: int = DOCS_PER_DAY) -> RateLimits:
    """The public doc's limits: ``per_minute`` per key and ``per_day`` per user."""
    return RateLimits(
        shared={"per_minute": Limit(per_minute, 60.0), "per_day": Limit(per_day, 86_400.0)}
    )


def backend_rate_limits(boost: float = 1.0) -> RateLimits:
    """The backend's hourly per-policy buckets, each multiplied by ``boost`` (production is
    said to run with 100)."""
    return RateLimits(
        policies={name: limit.scaled(boost) for name, limit in BACKEND_POLICIES.items()}
    )


def omi_rate_limits(
    profile: Literal["docs", "backend"] = "docs",
    *,
    per_minute: int = DOCS_PER_MINUTE,
    per_day: int = DOCS_PER_DAY,
    boost: float = 1.0,
) -> RateLimits:
    """The limits for a config ``rate_limit.profile``: ``docs`` uses ``per_minute`` and
    ``per_day``; ``backend`` the policy table times ``boost``. Raises ``ValueError`` for an
    unknown profile."""
    if profile == "docs":
        return docs_rate_limits(per_minute, per_day)
    if profile == "backend":
        return backend_rate_limits(boost)
    raise ValueError(f"unknown Omi rate-limit profile {profile!r}; use 'docs' or 'backend'")
