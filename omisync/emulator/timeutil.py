"""Datetime rules of the emulated backend: everything is a timezone-aware UTC instant.

Naive inputs are treated as UTC (as the Omi backend does). Stored values are ISO-8601 strings
with a fixed width (microseconds, ``+00:00``) so that SQLite's text order is time order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: A source of "now"; must return an aware datetime.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_db(value: datetime | None) -> str | None:
    """Return the sortable storage form of ``value`` (None stays None)."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="microseconds")


def from_db(value: str | None) -> datetime | None:
    """Parse a value written by :func:`to_db` (None stays None)."""
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value))


def require_from_db(value: str | None) -> datetime:
    """Parse a stored timestamp that must be present; raises ValueError if it is missing."""
    parsed = from_db(value)
    if parsed is None:
        raise ValueError("a required timestamp is missing from the emulator database")
    return parsed
