"""The Omi client's exceptions: one class per meaning, all under :class:`OmiError`.

``str(error)`` names the request (method and path, never the key) and says what went wrong
in words a user understands, with the server's own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


class OmiError(Exception):
    """Something went wrong talking to Omi.

    ``method`` and ``path`` name the request (None before any request, e.g. a missing key);
    ``status_code`` is the HTTP status (None when no answer came back); ``message`` is the
    server's message or our description.
    """

    summary: ClassVar[str] = "the Omi request failed"

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status_code = status_code
        self.code = code
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        status = f" (HTTP {self.status_code})" if self.status_code is not None else ""
        hint = self.hint()
        return f"{where}{self.summary}{status}: {self.message}" + (f". {hint}" if hint else "")

    def hint(self) -> str:
        """What the user can do about it ('' when nothing specific)."""
        return ""


class ConfigurationError(OmiError):
    """The client cannot be used as configured (e.g. no API key); nothing was sent."""

    summary = "the Omi client is not configured"


class AuthError(OmiError):
    """401: Omi did not accept the credentials (missing, unknown or revoked key)."""

    summary = "Omi did not accept the API key"

    def hint(self) -> str:
        return (
            "Check omi.api_key / OMI_API_KEY; create a key in the Omi app under "
            "Settings > Developer"
        )


class LockedError(OmiError):
    """402: the item is locked behind a paid plan; it cannot be changed or deleted."""

    summary = "the item is locked in Omi"


class ForbiddenError(OmiError):
    """403: the key lacks a scope, or access is denied; ``detail_object`` holds an
    object-shaped detail (the memory-grant denial) as sent, else None."""

    summary = "Omi refused access"

    def __init__(
        self, message: str, *, detail_object: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        self.detail_object = detail_object
        super().__init__(message, **kwargs)

    def hint(self) -> str:
        if "scope" in self.message:
            return "Create an API key with the scopes omisync needs (the *:write scopes to sync)"
        return ""


class NotFoundError(OmiError):
    """404: the item does not exist (or no longer exists)."""

    summary = "not found in Omi"


class ConflictError(OmiError):
    """409: the server is busy with the same request (e.g. a from-segments create in flight)."""

    summary = "Omi reported a conflict"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field the server rejected: ``field`` like ``memories[3].content`` and its message."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(OmiError):
    """400/422: Omi rejected the request's content; ``problems`` lists the fields it named."""

    summary = "Omi rejected the request"

    def __init__(
        self, message: str, *, problems: tuple[FieldProblem, ...] = (), **kwargs: Any
    ) -> None:
        self.problems = problems
        super().__init__(message, **kwargs)


class RateLimitedError(OmiError):
    """429, or the local budget is spent (``status_code`` None, nothing sent).

    ``retry_after`` is the wait in seconds the server or the limiter asked for, if known.
    """

    summary = "rate limited by Omi"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def hint(self) -> str:
        return "The run stops here; the rest is synced on the next run"


class ServerError(OmiError):
    """5xx: Omi failed to answer (it may or may not have applied a write)."""

    summary = "Omi had a server error"


class UnexpectedStatusError(OmiError):
    """An HTTP status the client has no meaning for (e.g. 405)."""

    summary = "Omi answered with an unexpected status"


class TransportError(OmiError):
    """No answer came back: connection refused, timed out, or dropped.

    ``maybe_applied`` is True when the request may have reached Omi (it was sent, then the
    answer was lost); a create must then be reconciled rather than blindly repeated.
    """

    summary = "could not talk to Omi"

    def __init__(self, message: str, *, maybe_applied: bool, **kwargs: Any) -> None:
        self.maybe_applied = maybe_applied
        super().__init__(message, **kwargs)

    def hint(self) -> str:
        if self.maybe_applied:
            return "The request may have been applied"
        return "Nothing was sent; check the network and omi.base_url"


class MalformedResponseError(OmiError):
    """Omi's answer could not be understood; the message names the item and field."""

    summary = "Omi sent an answer omisync does not understand"


class PartialBatchError(OmiError):
    """A batch create failed after earlier chunks went through.

    ``created`` holds what the earlier chunks created (in input order); ``failed_at`` is the
    index in the input of the first item that was not created. ``__cause__`` is the error.
    """

    summary = "a batch create stopped part-way"

    def __init__(
        self, message: str, *, created: tuple[object, ...], failed_at: int, **kwargs: Any
    ) -> None:
        self.created = created
        self.failed_at = failed_at
        super().__init__(message, **kwargs)


_BY_STATUS: dict[int, type[OmiError]] = {
    400: ValidationError,
    401: AuthError,
    402: LockedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitedError,
}


def error_class_for(status_code: int) -> type[OmiError]:
    """The exception class that means ``status_code``."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, UnexpectedStatusError)
