"""Turning the Omi client's errors into the Side error types, with a message naming the remedy.

The client says *what* went wrong (``PATCH /v1/dev/user/action-items/x: not found in Omi (HTTP
404): ...``); this module says what omisync was doing and what the user can do about it. Secrets
never appear: the client scrubs them from every message before they get here.
"""

from __future__ import annotations

from omisync.omi import (
    AuthError,
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    LockedError,
    NotFoundError,
    OmiError,
    PartialBatchError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from omisync.sync.side import (
    AccessError,
    ItemGoneError,
    ItemLockedError,
    ItemRejectedError,
    ListingError,
    SideError,
    TransientError,
)

__all__ = ["SIDE_NAME", "side_error"]

#: The name the Omi side gives itself in messages and link rows.
SIDE_NAME = "omi"

#: The scopes a key needs for two-way sync of tasks and notes.
NEEDED_SCOPES = "memories:read, memories:write, action_items:read, action_items:write"

_ACCESS_REMEDY = f"check omi.api_key / the key's scopes (omisync needs {NEEDED_SCOPES})"
_TRANSIENT_REMEDY = "nothing was lost; omisync tries again on the next run"
_LOCKED_REMEDY = (
    "Omi locks some items behind its paid plan; omisync leaves this one alone until it is unlocked"
)


def side_error(error: OmiError, doing: str, *, listing: bool = False) -> SideError:
    """Return the :class:`SideError` that means ``error``; ``doing`` names the failed step.

    401/403/missing key → :class:`AccessError`; 429, 5xx, 409 and network failures →
    :class:`TransientError` (with ``retry_after`` when known). Any other failure of a listing
    (``listing=True``) → :class:`ListingError`. Of a write: 404 → :class:`ItemGoneError`, 402 →
    :class:`ItemLockedError`, 400/422 → :class:`ItemRejectedError`, anything else (an answer
    omisync cannot read, an unexpected status) → a plain :class:`SideError`. A
    :class:`PartialBatchError` is classified by its cause.
    """
    cause = error
    if isinstance(error, PartialBatchError) and isinstance(error.__cause__, OmiError):
        cause = error.__cause__
    message = f"{doing} failed: {error}"
    if isinstance(cause, AuthError | ForbiddenError | ConfigurationError):
        return AccessError(f"{message}; {_ACCESS_REMEDY}", side=SIDE_NAME)
    if isinstance(cause, RateLimitedError):
        return TransientError(message, side=SIDE_NAME, retry_after=cause.retry_after)
    if isinstance(cause, ServerError | TransportError | ConflictError):
        return TransientError(f"{message}; {_TRANSIENT_REMEDY}", side=SIDE_NAME)
    if listing:
        return ListingError(message, side=SIDE_NAME)
    if isinstance(cause, NotFoundError):
        return ItemGoneError(message, side=SIDE_NAME)
    if isinstance(cause, LockedError):
        return ItemLockedError(f"{message}; {_LOCKED_REMEDY}", side=SIDE_NAME)
    if isinstance(cause, ValidationError):
        return ItemRejectedError(message, side=SIDE_NAME)
    return SideError(message, side=SIDE_NAME)
