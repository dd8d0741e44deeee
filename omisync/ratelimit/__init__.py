"""A rate limiter for remote APIs, shared by the Omi, Todoist and Notion clients.

Every request goes through :meth:`RateLimiter.acquire` before it is sent::

    limiter = RateLimiter("omi", RateLimits(shared={"per_minute": Limit(100, 60)}))
    with limiter.acquire(policies=("dev:memories",)) as permit:
        response = send()
        permit.observe(response.headers)

The limiter counts what was spent (persisted through a :class:`UsageStore`), waits instead of
sending a request it knows will be refused, learns from ``Retry-After`` and
``X-RateLimit-*``, and raises :class:`RateBudgetExhausted` when the wait would be too long.
"""

from omisync.ratelimit.errors import RateBudgetExhausted, format_duration
from omisync.ratelimit.feedback import ServerFeedback, read_feedback
from omisync.ratelimit.limiter import BucketUsage, Permit, RateLimiter, WaitNotice
from omisync.ratelimit.limits import Limit, RateLimits
from omisync.ratelimit.sqlite_store import SqliteUsageStore
from omisync.ratelimit.store import MemoryUsageStore, UsageRecord, UsageStore

__all__ = [
    "BucketUsage",
    "Limit",
    "MemoryUsageStore",
    "Permit",
    "RateBudgetExhausted",
    "RateLimiter",
    "RateLimits",
    "ServerFeedback",
    "SqliteUsageStore",
    "UsageRecord",
    "UsageStore",
    "WaitNotice",
    "format_duration",
    "read_feedback",
]
