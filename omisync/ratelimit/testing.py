"""Helpers for testing code that waits on a :class:`~omisync.ratelimit.RateLimiter`."""

from __future__ import annotations


class ManualClock:
    """A clock that only moves when told to, or when something sleeps on it.

    Pass ``clock.now`` as a limiter's ``clock`` and ``clock.sleep`` as its ``sleep``: a sleep
    returns at once, moves the clock forward and is remembered in :attr:`sleeps`.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The current fake Unix time."""
        return self.time

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` (raises ``ValueError`` for a negative sleep)."""
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds})")
        self.sleeps.append(seconds)
        self.time += seconds

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass without counting it as a sleep."""
        self.time += seconds

    @property
    def slept(self) -> float:
        """Total seconds slept so far."""
        return sum(self.sleeps)
