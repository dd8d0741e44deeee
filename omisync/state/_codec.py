"""How Python values are stored in the state DB's text columns: JSON and UTC timestamps."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

#: Returns the current moment as an aware datetime; injectable so tests control time.
Clock = Callable[[], datetime]

# ensure_ascii keeps lone surrogates (valid in a Python str, invalid in UTF-8) storable.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
_DECODE = json.JSONDecoder().decode

encode_json: Callable[[Any], str] = _ENCODER.encode
"""Return ``value`` as compact JSON text; raise TypeError/ValueError if it is not JSON."""


def decode_json(text: str) -> Any:
    """Return the value JSON ``text`` holds; raise ValueError if it is not JSON."""
    return _DECODE(text)


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


def encode_time(moment: datetime) -> str:
    """Return ``moment`` as ISO-8601 UTC text with microseconds (sorts as it orders).

    Raises ValueError for a naive datetime: a moment without a zone is ambiguous.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decode_time(text: str) -> datetime:
    """Return the aware datetime stored by :func:`encode_time`; raise ValueError otherwise."""
    return datetime.fromisoformat(text)
