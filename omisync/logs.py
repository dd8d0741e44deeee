"""Logging: structlog, readable on a terminal, JSON otherwise (e.g. under systemd), and
never a secret — a redaction processor replaces every configured secret in every event."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"


class Redactor:
    """A structlog processor that replaces each known secret in every string of an event."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(self, value: Any) -> Any:
        """Return ``value`` with secrets replaced, looking inside strings, lists and dicts."""
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(item) for item in value)
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, BaseException):
            return self.scrub(str(value))
        return value

    def __call__(
        self, logger: Any, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if not self.secrets:
            return event
        return {key: self.scrub(value) for key, value in event.items()}


def configure_logging(
    *,
    verbosity: int = 0,
    secrets: Iterable[str] = (),
    json: bool | None = None,
    stream: TextIO | None = None,
) -> None:
    """Set up structlog for the process.

    ``verbosity``: -1 errors only, 0 warnings, 1 info, 2 debug. ``json`` defaults to "not a
    terminal" (systemd's journal, a pipe). Output goes to ``stream`` (stderr by default).
    """
    out = stream or sys.stderr
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG
    )
    use_json = (not out.isatty()) if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            Redactor(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
