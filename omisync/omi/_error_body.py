"""Reading an Omi error answer into a message a user understands.

The backend sends FastAPI's ``{"detail": str | list | object}``; the public doc shows
``{"error": {"message", "code"}}``. Both are read; anything else falls back to the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omisync.omi._errors import (
    FieldProblem,
    ForbiddenError,
    OmiError,
    RateLimitedError,
    ValidationError,
    error_class_for,
)

_LOCATION_ROOTS = {"body", "query", "path", "header", "cookie"}
_MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error answer said: a message, maybe a code, field problems, an object detail."""

    message: str
    code: str | None = None
    problems: tuple[FieldProblem, ...] = ()
    detail_object: Mapping[str, Any] | None = field(default=None)


def field_path(location: Sequence[object]) -> str:
    """A pydantic ``loc`` as a field path: ``["body", "memories", 3, "content"]`` ->
    ``memories[3].content``. The leading ``body``/``query``/... is dropped when more follows."""
    parts = list(location)
    if len(parts) > 1 and parts[0] in _LOCATION_ROOTS:
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_error_body(body: object, fallback: str) -> ErrorBody:
    """Read a decoded JSON error ``body``; ``fallback`` (e.g. the reason phrase) is used when
    the body says nothing readable. Never raises."""
    if isinstance(body, Mapping):
        if "detail" in body:
            return _from_detail(body["detail"], fallback)
        error = body.get("error")
        if isinstance(error, Mapping):
            message = error.get("message")
            code = error.get("code")
            return ErrorBody(
                message=str(message) if message else fallback,
                code=str(code) if code is not None else None,
            )
        if isinstance(error, str) and error:
            return ErrorBody(message=error)
        if isinstance(body.get("message"), str) and body["message"]:
            return ErrorBody(message=body["message"])
    if isinstance(body, str) and body.strip():
        return ErrorBody(message=_clip(body.strip()))
    return ErrorBody(message=fallback)


def _from_detail(detail: object, fallback: str) -> ErrorBody:
    if isinstance(detail, str):
        return ErrorBody(message=detail or fallback)
    if isinstance(detail, list):
        problems = tuple(_problem(item) for item in detail)
        if not problems:
            return ErrorBody(message=fallback)
        return ErrorBody(message="; ".join(str(p) for p in problems), problems=problems)
    if isinstance(detail, Mapping):
        for key in ("message", "reason", "msg"):
            if isinstance(detail.get(key), str) and detail[key]:
                return ErrorBody(message=detail[key], detail_object=dict(detail))
        return ErrorBody(message=_clip(json.dumps(detail, default=str)), detail_object=dict(detail))
    if detail is None:
        return ErrorBody(message=fallback)
    return ErrorBody(message=_clip(str(detail)))


def _problem(item: object) -> FieldProblem:
    if isinstance(item, Mapping):
        location = item.get("loc")
        where = field_path(location) if isinstance(location, list | tuple) else ""
        return FieldProblem(where, str(item.get("msg") or item.get("message") or "invalid"))
    return FieldProblem("", _clip(str(item)) or "invalid")


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def decode_json(text: str) -> object:
    """``text`` as JSON, or the text itself when it is not JSON."""
    try:
        decoded: object = json.loads(text)
    except ValueError:
        return text
    return decoded


def error_from_answer(
    status_code: int,
    body: object,
    reason: str,
    *,
    method: str,
    path: str,
    retry_after: float | None,
) -> OmiError:
    """The exception that means an error answer with ``status_code`` and decoded ``body``."""
    parsed = parse_error_body(body, reason or f"HTTP {status_code}")
    cls = error_class_for(status_code)
    common: dict[str, Any] = {
        "method": method,
        "path": path,
        "status_code": status_code,
        "code": parsed.code,
    }
    if cls is ValidationError:
        return ValidationError(parsed.message, problems=parsed.problems, **common)
    if cls is ForbiddenError:
        return ForbiddenError(parsed.message, detail_object=parsed.detail_object, **common)
    if cls is RateLimitedError:
        return RateLimitedError(parsed.message, retry_after=retry_after, **common)
    return cls(parsed.message, **common)
