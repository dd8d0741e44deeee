"""What a service allows: request counts per time window, shared and per endpoint group."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``requests`` requests in any ``per_seconds`` long stretch of time.

    Raises ``ValueError`` when ``requests`` is negative or ``per_seconds`` is not positive.
    """

    requests: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.requests < 0:
            raise ValueError(f"a rate limit needs requests >= 0, got {self.requests}")
        if not (self.per_seconds > 0 and math.isfinite(self.per_seconds)):
            raise ValueError(f"a rate limit needs a window > 0 s, got {self.per_seconds}")

    def scaled(self, factor: float) -> Limit:
        """Return this limit with ``requests`` multiplied by ``factor`` (rounded down)."""
        return Limit(int(self.requests * factor), self.per_seconds)


def _frozen(mapping: Mapping[str, Limit]) -> Mapping[str, Limit]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A service's limits.

    ``shared`` limits apply to every request (e.g. the Omi doc's ``per_minute`` and
    ``per_day``); ``policies`` map an endpoint-group name to its own limit (e.g. the Omi
    backend's hourly ``dev:memories`` bucket). A request is charged to every shared limit and
    to each policy it names that has an entry here.
    """

    shared: Mapping[str, Limit] = field(default_factory=dict)
    policies: Mapping[str, Limit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = set(self.shared) & set(self.policies)
        if clash:
            raise ValueError(f"bucket names used both as shared and as policy: {sorted(clash)}")
        object.__setattr__(self, "shared", _frozen(self.shared))
        object.__setattr__(self, "policies", _frozen(self.policies))

    @property
    def longest_window(self) -> float:
        """The longest window among all limits, in seconds (0 when there are none)."""
        windows = [limit.per_seconds for limit in (*self.shared.values(), *self.policies.values())]
        return max(windows, default=0.0)
