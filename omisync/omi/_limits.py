"""Omi's rate limits: the public doc's numbers, the backend's per-policy table, and which
policy each route is charged to (omi-api.md §4).

The backend table matches the emulator's ``backend`` profile name for name and number
(tests/omi/test_omi_limits.py checks both the tables and, over HTTP, what each route is
charged).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "dev:conversations": Limit(25, HOUR),
    "dev:memories": Limit(120, HOUR),
    "dev:memories_batch": Limit(15, HOUR),
    "dev:action_items_write": Limit(120, HOUR),
    "dev:goals_write": Limit(120, HOUR),
    "dev:ask": Limit(25, HOUR),
}

#: Policies the backend declares but was never seen enforcing (omi-api.md §4: the wiring of
#: ``dev:conversation_reads_total`` is not in its dependencies). Routes name them, but they
#: are charged only when given in ``policies=`` (opt in, e.g. ``{name: OPT_IN_POLICIES[name]}``):
#: by default they would halve the conversation read budget for nothing.
OPT_IN_POLICIES: dict[str, Limit] = {
    "dev:conversation_reads_total": Limit(60, HOUR),
}

_CONVERSATION_READS = "dev:conversation_reads_total"
TRANSCRIPT_POLICY = "dev:conversation_transcript_read"
KEY_READ_POLICY = "dev:key_read"

#: (method, route relative to the base URL) -> the policies a request is charged to (only
#: those with a configured limit count; transcript reads add :data:`TRANSCRIPT_POLICY`).
#: ``dev:key_read`` has no known number: only what the server says applies to it, unless
#: ``policies=`` gives one. The key management routes take a Firebase token and are counted
#: by the shared limits only.
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
    ("GET", "key"): (KEY_READ_POLICY,),
    ("GET", "keys"): (),
    ("POST", "keys"): (),
    ("DELETE", "keys/{key_id}"): (),
}


#: Every policy name a limit may be given for (``policies=``).
KNOWN_POLICIES: frozenset[str] = frozenset(
    name for names in ROUTE_POLICIES.values() for name in names
) | frozenset(BACKEND_POLICIES)


def _checked_policies(policies: Mapping[str, Limit] | None) -> dict[str, Limit]:
    """``policies`` as a dict; raises ``ValueError`` naming an unknown policy and the known."""
    given = dict(policies or {})
    unknown = sorted(set(given) - KNOWN_POLICIES)
    if unknown:
        raise ValueError(
            f"unknown Omi rate-limit policy {unknown[0]!r}: no route is charged to it; use one "
            f"of {sorted(KNOWN_POLICIES)}"
        )
    return given


def docs_rate_limits(
    per_minute: int = DOCS_PER_MINUTE,
    per_day: int = DOCS_PER_DAY,
    *,
    policies: Mapping[str, Limit] | None = None,
) -> RateLimits:
    """The public doc's limits: ``per_minute`` per key and ``per_day`` per user, plus any
    per-policy ``policies`` (none by default). Raises ``ValueError`` for an unknown policy."""
    return RateLimits(
        shared={"per_minute": Limit(per_minute, 60.0), "per_day": Limit(per_day, 86_400.0)},
        policies=_checked_policies(policies),
    )


def backend_rate_limits(
    boost: float = 1.0,
    *,
    window_scale: float = 1.0,
    policies: Mapping[str, Limit] | None = None,
) -> RateLimits:
    """The backend's per-policy fixed windows (:data:`BACKEND_POLICIES`, hourly).

    - ``boost``: multiplies every default limit, rounded down and at least 1, as the
      backend's ``RATE_LIMIT_BOOST`` does (production is said to run with 100);
    - ``window_scale``: multiplies every default window (tests shrink the hour, as the
      emulator's ``RateLimitConfig.window_scale`` does);
    - ``policies``: limits taken as given (neither boosted nor scaled) that replace a
      default or add one: :data:`OPT_IN_POLICIES`, or ``dev:key_read``, which has none.

    Raises ``ValueError`` when ``boost`` or ``window_scale`` is not positive, or a policy
    name is unknown.
    """
    for name, value in (("boost", boost), ("window_scale", window_scale)):
        if not value > 0:
            raise ValueError(f"Omi backend rate limits: {name} must be > 0, got {value}")
    defaults = {
        name: Limit(max(1, int(limit.requests * boost)), limit.per_seconds * window_scale)
        for name, limit in BACKEND_POLICIES.items()
    }
    return RateLimits(policies={**defaults, **_checked_policies(policies)})


def omi_rate_limits(
    profile: Literal["docs", "backend"] = "docs",
    *,
    per_minute: int = DOCS_PER_MINUTE,
    per_day: int = DOCS_PER_DAY,
    boost: float = 1.0,
    policies: Mapping[str, Limit] | None = None,
) -> RateLimits:
    """The limits for a config ``rate_limit.profile``: ``docs`` uses ``per_minute`` and
    ``per_day``; ``backend`` the policy table times ``boost`` (see
    :func:`backend_rate_limits`). ``policies`` adds or replaces per-policy limits in either
    profile. Raises ``ValueError`` for an unknown profile or policy."""
    if profile == "docs":
        return docs_rate_limits(per_minute, per_day, policies=policies)
    if profile == "backend":
        return backend_rate_limits(boost, policies=policies)
    raise ValueError(f"unknown Omi rate-limit profile {profile!r}; use 'docs' or 'backend'")
