"""Where a limiter keeps its request counts so a restart does not forget what was spent.

Counts are kept per (service, bucket, window_start): ``window_start`` is the Unix time in
**milliseconds** at which a short counting slot begins (a limiter cuts each window into about
a hundred slots), and ``count`` is how many requests finished inside that slot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """``count`` requests of ``bucket`` finished in the slot starting at ``window_start`` (ms)."""

    bucket: str
    window_start: int
    count: int


@runtime_checkable
class UsageStore(Protocol):
    """Persistent request counts of rate-limit buckets, keyed by service and bucket."""

    def load(self, service: str, since: int) -> list[UsageRecord]:
        """Return the records of ``service`` whose slot starts at or after ``since`` (ms),
        ordered by slot start, then bucket."""
        ...

    def add(self, service: str, bucket: str, window_start: int, count: int) -> None:
        """Add ``count`` requests to the slot of ``bucket`` starting at ``window_start`` (ms)."""
        ...

    def prune(self, service: str, bucket: str, before: int) -> None:
        """Forget the slots of ``bucket`` that start before ``before`` (ms)."""
        ...


class MemoryUsageStore:
    """A :class:`UsageStore` that lives as long as the process (tests, one-shot tools)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def load(self, service: str, since: int) -> list[UsageRecord]:
        """Return the records of ``service`` from ``since`` (ms) on, oldest first."""
        with self._lock:
            records = [
                UsageRecord(bucket, start, count)
                for (svc, bucket, start), count in self._counts.items()
                if svc == service and start >= since
            ]
        return sorted(records, key=lambda record: (record.window_start, record.bucket))

    def add(self, service: str, bucket: str, window_start: int, count: int) -> None:
        """Add ``count`` to the slot's total."""
        key = (service, bucket, window_start)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + count

    def prune(self, service: str, bucket: str, before: int) -> None:
        """Drop the bucket's slots that start before ``before`` (ms)."""
        with self._lock:
            for key in [k for k in self._counts if k[:2] == (service, bucket) and k[2] < before]:
                del self._counts[key]
