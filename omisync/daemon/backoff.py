"""How long a failing connector waits before its next attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: after ``failures`` failed cycles in a row, the next attempt comes
    ``interval * 2**failures`` later, never later than ``cap`` (or than ``interval`` itself
    when that is longer than the cap, so a failing connector is never tried more often than a
    healthy one).
    """

    cap: timedelta = timedelta(hours=1)

    def delay(self, interval: timedelta, failures: int) -> timedelta:
        """The wait before the next attempt; ``interval`` when ``failures`` is 0 or less."""
        if failures <= 0:
            return interval
        limit = max(self.cap, interval)
        # In float seconds: a timedelta overflows long before 2**failures does.
        seconds = interval.total_seconds() * 2.0 ** min(failures, 64)
        return limit if seconds >= limit.total_seconds() else timedelta(seconds=seconds)
