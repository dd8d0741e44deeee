"""Logging: one structlog pipeline for omisync and every library it uses, readable on a
terminal, JSON under systemd or into a pipe, and never a secret.

::

    configure_logging(verbosity=args.verbose, secrets=config_secrets(config))
    log = structlog.get_logger("omisync.run")
    with structlog.contextvars.bound_contextvars(connector="vault", run_id=12):
        log.info("sync.start")          # every line inside carries connector and run_id

Standard-library loggers (httpx, uvicorn, apscheduler, the Omi client) are routed through the
same processors, so their lines get the same context, format and redaction. Secrets are
replaced twice: in every value of an event, and again in the rendered line (which also covers
tracebacks). Uncaught exceptions are logged through the pipeline instead of printed raw.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Protocol, TextIO

import structlog
from structlog.typing import Processor, WrappedLogger

from omisync.config import Config

__all__ = [
    "REDACTED",
    "LiveLine",
    "Redactor",
    "config_secrets",
    "configure_logging",
    "level_for",
    "live_line",
    "log_warnings",
    "wants_json",
]

REDACTED = "[redacted]"

#: Libraries that speak at INFO about every request or job; they are held at WARNING unless
#: the user asked for debug output (-vv).
CHATTY_LIBRARIES = ("httpx", "apscheduler", "uvicorn", "uvicorn.error", "uvicorn.access")
#: Libraries whose debug output is wire-level noise; never below WARNING.
NOISY_LIBRARIES = ("httpcore", "hpack", "asyncio", "multipart")


class Redactor:
    """A structlog processor that replaces each known secret in every string of an event.

    Secrets shorter than 4 characters are ignored (they would blank out ordinary words).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(self, value: Any) -> Any:
        """Return ``value`` with secrets replaced, looking inside strings, lists, dicts and
        exceptions (an exception becomes its scrubbed message)."""
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
        self, logger: WrappedLogger, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if not self.secrets:
            return event
        return {key: self.scrub(value) for key, value in event.items()}

    def scrub_rendered(self, logger: WrappedLogger, method: str, line: Any) -> Any:
        """A last processor: scrub the rendered line itself (tracebacks, reprs, escapes)."""
        return self.scrub(line) if isinstance(line, str) else line


class LiveLine(Protocol):
    """A status line kept at the bottom of the terminal (see :mod:`omisync.progress`).

    The log handler writes each log line inside :meth:`suspended`, so log lines and the status
    line never overwrite each other.
    """

    def suspended(self) -> AbstractContextManager[None]:
        """Erase the line, let the block print, then draw the line again; nothing else may
        draw it meanwhile."""
        ...


class _Handler(logging.StreamHandler[TextIO]):
    """Writes formatted records to a stream, stepping around the live status line if any."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.live: LiveLine | None = None

    def emit(self, record: logging.LogRecord) -> None:
        live = self.live
        if live is None:
            super().emit(record)
            return
        with live.suspended():
            super().emit(record)


_handler: _Handler | None = None


@contextmanager
def live_line(line: LiveLine) -> Iterator[None]:
    """Keep ``line`` intact while logging inside the block; detach it afterwards.

    Without :func:`configure_logging` first, this only yields.
    """
    _attach(line)
    try:
        yield
    finally:
        _attach(None)


def _attach(line: LiveLine | None) -> None:
    if _handler is not None:
        _handler.live = line


def wants_json(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """True under systemd (``JOURNAL_STREAM`` or ``INVOCATION_ID`` set) or when ``stream`` is
    not a terminal (a pipe, a file): machines read those, so they get one JSON object a line."""
    if environ.get("JOURNAL_STREAM") or environ.get("INVOCATION_ID"):
        return True
    return not _is_tty(stream)


def level_for(verbosity: int) -> int:
    """The stdlib level for a verbosity: -1 (``-q``) ERROR, 0 WARNING, 1 (``-v``) INFO,
    2 or more (``-vv``) DEBUG."""
    return {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG
    )


def config_secrets(config: Config) -> frozenset[str]:
    """Every secret of ``config``: the values read from ``${ENV}``, files and credentials,
    plus the Omi API key however it was written."""
    secrets = set(config.secret_values)
    if config.omi.api_key is not None:
        secrets.add(config.omi.api_key.get_secret_value())
    return frozenset(secrets)


def log_warnings(config: Config) -> None:
    """Log each of ``config.warnings`` (a world-readable file, say) as a ``config.warning``
    event, so it reaches the journal as JSON under systemd and the terminal otherwise."""
    log = structlog.get_logger("omisync.config")
    for warning in config.warnings:
        log.warning("config.warning", warning=warning)


def configure_logging(
    *,
    verbosity: int = 0,
    secrets: Iterable[str] = (),
    json: bool | None = None,
    stream: TextIO | None = None,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Set up logging for the process; calling it again replaces the previous setup.

    ``verbosity``: see :func:`level_for`. ``json`` defaults to :func:`wants_json`. Output goes
    to ``stream`` (stderr by default). Every structlog and stdlib logger goes through the same
    processors (context variables, level, logger name, UTC timestamp, rendered exception,
    redaction of ``secrets``); :data:`CHATTY_LIBRARIES` and :data:`NOISY_LIBRARIES` are held
    back as documented there. Uncaught exceptions (main thread and others) are logged as one
    redacted ``uncaught_exception`` event.
    """
    global _handler
    out = stream if stream is not None else sys.stderr
    level = level_for(verbosity)
    use_json = wants_json(out, environ) if json is None else json
    redactor = Redactor(secrets)
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(
            colors=_is_tty(out), exception_formatter=structlog.dev.plain_traceback
        )
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            # Rendered to text here, before redaction, so tracebacks are scrubbed too.
            structlog.processors.format_exc_info,
            redactor,
            renderer,
            redactor.scrub_rendered,
        ],
    )
    handler = _Handler(out)
    handler.setFormatter(formatter)
    handler.live = _handler.live if _handler is not None else None
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _handler = handler
    _tame_libraries(level)
    logging.captureWarnings(True)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _is_tty(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal (False for a closed or file-less stream)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _tame_libraries(level: int) -> None:
    """Route library loggers through the root handler, at a level that is not a flood."""
    chatty_floor = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    for name in CHATTY_LIBRARIES:
        _adopt(logging.getLogger(name), max(level, chatty_floor))
    for name in NOISY_LIBRARIES:
        _adopt(logging.getLogger(name), max(level, logging.WARNING))


def _adopt(logger: logging.Logger, level: int) -> None:
    # Libraries such as uvicorn install handlers of their own, which would bypass redaction.
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(level)


def _log_uncaught(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    structlog.get_logger("omisync").critical("uncaught_exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    thread = args.thread.name if args.thread is not None else "?"
    structlog.get_logger("omisync").critical(
        "uncaught_exception",
        thread=thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
