"""What a server says about its rate limit: ``Retry-After`` and ``X-RateLimit-*`` headers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# A reset value this large is an absolute Unix time; a smaller one counts seconds from now.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True, slots=True)
class ServerFeedback:
    """Rate-limit facts read from one response; each is ``None`` when the server did not say.

    ``retry_after`` and ``reset_after`` are seconds from the moment the response was read.
    """

    retry_after: float | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None

    @property
    def is_empty(self) -> bool:
        """True when the response carried no rate-limit information at all."""
        return (
            self.retry_after is None
            and self.limit is None
            and self.remaining is None
            and self.reset_after is None
        )


def read_feedback(headers: Mapping[str, str], now: float) -> ServerFeedback:
    """Read ``Retry-After`` and ``X-RateLimit-Limit/Remaining/Reset`` from ``headers``.

    ``now`` is the current Unix time, used to turn absolute times into delays. Header names
    match case-insensitively. A header the server garbled is ignored rather than trusted: the
    limiter then relies on its own counting, which is always safe.
    """
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    return ServerFeedback(
        retry_after=_retry_after(lowered.get("retry-after"), now),
        limit=_count(lowered.get("x-ratelimit-limit")),
        remaining=_count(lowered.get("x-ratelimit-remaining")),
        reset_after=_reset_after(lowered.get("x-ratelimit-reset"), now),
    )


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _count(text: str | None) -> int | None:
    value = _number(text)
    return None if value is None or value < 0 else int(value)


def _retry_after(text: str | None, now: float) -> float | None:
    """``Retry-After`` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if text is None:
        return None
    seconds = _number(text)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, moment.timestamp() - now)


def _reset_after(text: str | None, now: float) -> float | None:
    value = _number(text)
    if value is None or value < 0:
        return None
    if value >= _EPOCH_THRESHOLD:
        return max(0.0, value - now)
    return value
