"""The systemd notification protocol (``sd_notify``), over the stdlib socket module.

Under ``Type=notify`` systemd passes ``$NOTIFY_SOCKET``: a path, or ``@name`` for the
abstract namespace. A notification is one datagram of ``KEY=VALUE`` lines. Without the
variable (a terminal, a test, the timer variant) every call is a silent no-op.

``$WATCHDOG_USEC`` asks for ``WATCHDOG=1`` pings at least that often; :meth:`watchdog_period`
answers half of it (what ``sd_watchdog_enabled(3)`` advises), or None when the watchdog is off
or meant for another process (``$WATCHDOG_PID``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import structlog

__all__ = ["SystemdNotifier"]

_log = structlog.get_logger("omisync.daemon")


class SystemdNotifier:
    """Sends notifications to systemd; does nothing when not started by systemd.

    ``env`` defaults to ``os.environ`` (read once, here). A failed send is logged once and
    never raised: losing a status line must not stop a sync.
    """

    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        self.address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self._watchdog_usec = _watchdog_usec(env)
        self._warned = False

    @property
    def enabled(self) -> bool:
        """True when ``$NOTIFY_SOCKET`` names a socket."""
        return self.address is not None

    def watchdog_period(self) -> float | None:
        """Seconds between ``WATCHDOG=1`` pings (half of ``$WATCHDOG_USEC``), or None."""
        if self._watchdog_usec is None or not self.enabled:
            return None
        return self._watchdog_usec / 2_000_000

    def notify(self, **fields: str) -> None:
        """Send one datagram of ``KEY=VALUE`` lines, e.g. ``notify(READY="1", STATUS="...")``.

        Newlines inside a value are replaced by spaces (a newline would start another key).
        """
        if self.address is None:
            return
        message = "\n".join(_line(key, value) for key, value in fields.items()).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as error:
            if not self._warned:
                self._warned = True
                _log.warning("systemd.notify_failed", socket=self.address, error=str(error))

    def ready(self, status: str) -> None:
        """Tell systemd start-up is done (``READY=1``) with a first status line."""
        self.notify(READY="1", STATUS=status)

    def reloading(self) -> None:
        """Tell systemd a configuration reload has begun (``RELOADING=1``)."""
        self.notify(RELOADING="1", STATUS="reloading the configuration")

    def status(self, text: str) -> None:
        """Replace the one-line status ``systemctl status`` shows."""
        self.notify(STATUS=text)

    def watchdog(self) -> None:
        """Ping the watchdog (``WATCHDOG=1``)."""
        self.notify(WATCHDOG="1")

    def stopping(self) -> None:
        """Tell systemd the service is shutting down (``STOPPING=1``)."""
        self.notify(STOPPING="1", STATUS="stopping after the batch in flight")


def _line(key: str, value: str) -> str:
    flat = " ".join(value.splitlines())
    return f"{key}={flat}"


def _socket_address(value: str) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]  # the abstract namespace
    if value.startswith("/"):
        return value
    return None  # e.g. vsock: addresses, which this daemon does not speak


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = env.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec
