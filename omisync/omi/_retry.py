"""When and how long the client waits before trying a failed request again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter.

    A request is tried at most ``max_attempts`` times. Before retry ``n`` (1, 2, ...) the
    client sleeps a uniformly random time in ``[0, min(max_delay, base_delay * 2**(n-1))]``
    through ``sleep``; ``rng`` draws the jitter. A 429 with ``Retry-After`` is instead
    waited out by the rate limiter. Raises ``ValueError`` for a non-positive attempt count
    or negative delays.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("retry delays must not be negative")

    def delay(self, retry_number: int) -> float:
        """The jittered wait before retry ``retry_number`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return self.rng.uniform(0, ceiling)

    def backoff(self, retry_number: int) -> None:
        """Sleep before retry ``retry_number``."""
        wait = self.delay(retry_number)
        if wait > 0:
            self.sleep(wait)


#: Never retry: for callers that handle every failure themselves.
NO_RETRY = RetryPolicy(max_attempts=1)
