"""The rate limiter's own error."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def format_duration(seconds: float) -> str:
    """``3725`` -> ``'1h 2m 5s'``; ``0.25`` -> ``'0.25s'``; ``inf`` -> ``'forever'``."""
    if math.isinf(seconds):
        return "forever"
    if seconds < 10:
        return f"{seconds:.2g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s"]
    return " ".join(part for part in parts if part and part != "0s") or "0s"


class RateBudgetExhausted(Exception):
    """A request cannot go out within the wait its caller allows (a spent daily budget, a long
    ``Retry-After``, a bucket that allows nothing). Nothing was sent.

    ``bucket`` names the limit that holds the request back and ``reason`` says why, in words;
    ``wait`` is how many seconds the request would have had to wait (``math.inf``: never).
    """

    def __init__(
        self, service: str, bucket: str, reason: str, wait: float, max_wait: float, now: float
    ) -> None:
        self.service = service
        self.bucket = bucket
        self.reason = reason
        self.wait = wait
        self.max_wait = max_wait
        if math.isinf(wait):
            when = "raise that limit in the configuration"
        else:
            at = datetime.fromtimestamp(now + wait, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            when = (
                f"the next request may go out in {format_duration(wait)} (at {at}), "
                f"longer than the {format_duration(max_wait)} this caller waits; "
                "try again later"
            )
        super().__init__(f"{service} rate limit: {reason}; {when}")
