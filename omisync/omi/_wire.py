"""Turning the client's arguments into Omi request fields."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from omisync.omi._models import Geolocation


def wire_datetime(value: datetime, name: str) -> str:
    """``value`` as ISO-8601 in UTC. Raises ``ValueError`` naming ``name`` for a naive value:
    Omi would read it as UTC, which silently shifts a local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC).isoformat()


def wire_optional_datetime(value: datetime | None, name: str) -> str | None:
    """:func:`wire_datetime`, passing None through."""
    return None if value is None else wire_datetime(value, name)


def wire_categories(categories: Iterable[str] | None) -> str | None:
    """A comma-separated ``categories`` filter, or None when not filtering."""
    if categories is None:
        return None
    joined = ",".join(c.strip() for c in categories if c.strip())
    if not joined:
        raise ValueError("categories must name at least one category (or be None)")
    return joined


def wire_geolocation(value: Geolocation | None) -> dict[str, Any] | None:
    """A geolocation request object, or None."""
    if value is None:
        return None
    return without_none(
        {
            "latitude": value.latitude,
            "longitude": value.longitude,
            "address": value.address,
            "google_place_id": value.google_place_id,
            "location_type": value.location_type,
        }
    )


def without_none(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` minus the entries whose value is None."""
    return {key: value for key, value in fields.items() if value is not None}


def require_some(fields: dict[str, Any], operation: str) -> dict[str, Any]:
    """``fields`` without None values; raises ``ValueError`` when nothing is left."""
    present = without_none(fields)
    if not present:
        raise ValueError(f"{operation} needs at least one of: {', '.join(fields)}")
    return present
