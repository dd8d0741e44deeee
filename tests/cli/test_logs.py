"""The logging pipeline: format by audience, one pipeline for every library, levels, redaction."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from omisync.config import Config, OmiSettings
from omisync.logs import REDACTED, config_secrets, configure_logging, wants_json

SECRET = "omi_dev_" + "7c" * 16


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_under_systemd_or_into_a_pipe_and_readable_lines_on_a_terminal() -> None:
    assert wants_json(FakeTerminal(), {"JOURNAL_STREAM": "8:12345"})
    assert wants_json(FakeTerminal(), {"INVOCATION_ID": "5c2a"})
    assert wants_json(io.StringIO(), {})
    assert not wants_json(FakeTerminal(), {})

    terminal = FakeTerminal()
    configure_logging(verbosity=1, stream=terminal, environ={})
    structlog.get_logger("omisync.test").info("sync.planned", create_omi=3)
    text = terminal.getvalue()
    assert "sync.planned" in text and "create_omi" in text and not text.startswith("{")

    journal = FakeTerminal()
    configure_logging(verbosity=1, stream=journal, environ={"JOURNAL_STREAM": "8:1"})
    structlog.get_logger("omisync.test").info("sync.planned", create_omi=3)
    [line] = json_lines(journal)
    assert line["event"] == "sync.planned" and line["create_omi"] == 3
    assert line["level"] == "info" and line["logger"] == "omisync.test"
    assert line["timestamp"].endswith("Z")


def test_library_loggers_share_the_pipeline_and_the_run_context() -> None:
    out = io.StringIO()
    configure_logging(verbosity=1, stream=out)
    with structlog.contextvars.bound_contextvars(connector="vault", run_id=7):
        logging.getLogger("omisync.omi").warning("retrying %s (attempt %d)", "GET /x", 2)
        logging.getLogger("apscheduler.scheduler").warning("job missed")
        structlog.get_logger("omisync.sync").info("sync.planned")
    lines = json_lines(out)
    assert [line["event"] for line in lines] == [
        "retrying GET /x (attempt 2)",
        "job missed",
        "sync.planned",
    ]
    assert all(line["connector"] == "vault" and line["run_id"] == 7 for line in lines)
    assert [line["logger"] for line in lines] == [
        "omisync.omi",
        "apscheduler.scheduler",
        "omisync.sync",
    ]


@pytest.mark.parametrize(
    ("verbosity", "expected"),
    [
        (-1, ["ours.error"]),
        (0, ["ours.warning", "ours.error"]),
        (1, ["ours.info", "ours.warning", "ours.error"]),
        (2, ["ours.debug", "ours.info", "ours.warning", "ours.error", "httpx.info"]),
    ],
)
def test_verbosity_sets_the_level_and_chatty_libraries_speak_only_at_debug(
    verbosity: int, expected: list[str]
) -> None:
    out = io.StringIO()
    configure_logging(verbosity=verbosity, stream=out)
    log = structlog.get_logger("omisync.test")
    log.debug("ours.debug")
    log.info("ours.info")
    log.warning("ours.warning")
    log.error("ours.error")
    logging.getLogger("httpx").info("httpx.info")
    logging.getLogger("httpcore.connection").debug("httpcore.debug")
    assert [line["event"] for line in json_lines(out)] == expected


def test_library_handlers_are_replaced_so_nothing_bypasses_redaction() -> None:
    uvicorn = logging.getLogger("uvicorn.error")
    stray = io.StringIO()
    uvicorn.addHandler(logging.StreamHandler(stray))
    uvicorn.propagate = False
    out = io.StringIO()
    configure_logging(verbosity=0, secrets={SECRET}, stream=out)

    uvicorn.error("bad header Authorization: Bearer %s", SECRET)

    assert stray.getvalue() == ""
    [line] = json_lines(out)
    assert line["event"] == f"bad header Authorization: Bearer {REDACTED}"


def test_reconfiguring_replaces_the_handler_instead_of_doubling_lines() -> None:
    out = io.StringIO()
    configure_logging(verbosity=0, stream=out)
    configure_logging(verbosity=0, stream=out, secrets={SECRET})
    structlog.get_logger("omisync.test").warning("once", key=SECRET)
    assert json_lines(out) == [
        {
            "key": REDACTED,
            "event": "once",
            "level": "warning",
            "logger": "omisync.test",
            "timestamp": json_lines(out)[0]["timestamp"],
        }
    ]


@pytest.mark.parametrize("as_json", [True, False])
def test_secrets_are_redacted_in_values_messages_and_tracebacks(as_json: bool) -> None:
    out = FakeTerminal()
    configure_logging(verbosity=2, secrets={SECRET}, json=as_json, stream=out)
    log = structlog.get_logger("omisync.test")
    log.warning("headers", sent={"Authorization": [f"Bearer {SECRET}"]}, url=f"x?key={SECRET}")
    logging.getLogger("httpx").info("HTTP Request: GET /?key=%s", SECRET)
    try:
        raise RuntimeError(f"the server echoed {SECRET}")
    except RuntimeError:
        log.exception("structlog.failure")
        logging.getLogger("some.library").exception("stdlib.failure")
    logging.getLogger("some.library").warning("a repr: %r", {"key": SECRET})

    text = out.getvalue()
    assert SECRET not in text
    assert text.count(REDACTED) >= 6
    assert "RuntimeError: the server echoed " + REDACTED in text
    assert "structlog.failure" in text and "stdlib.failure" in text


def test_uncaught_exceptions_are_logged_redacted_in_any_thread() -> None:
    out = io.StringIO()
    configure_logging(verbosity=0, secrets={SECRET}, stream=out)

    try:
        raise ValueError(f"config value {SECRET} is wrong")
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    worker = threading.Thread(
        target=lambda: (_ for _ in ()).throw(OSError(f"socket said {SECRET}")), name="worker"
    )
    worker.start()
    worker.join()

    main_line, thread_line = json_lines(out)
    assert main_line["event"] == "uncaught_exception" and main_line["level"] == "critical"
    assert main_line["exception"].endswith(f"ValueError: config value {REDACTED} is wrong")
    assert thread_line["thread"] == "worker"
    assert thread_line["exception"].endswith(f"OSError: socket said {REDACTED}")
    assert SECRET not in out.getvalue()


def test_config_secrets_include_the_omi_key_however_it_was_written() -> None:
    written_inline = Config(omi=OmiSettings(api_key=SECRET))
    assert config_secrets(written_inline) == {SECRET}
    from_env = Config(secret_values=frozenset({"notion-token-1234"}))
    assert config_secrets(from_env) == {"notion-token-1234"}
