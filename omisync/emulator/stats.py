"""A log of the ``/v1/dev`` requests the emulator answered, for tests and benchmarks.

Tests use it to assert "no API call at all" or "exactly N writes"; benchmarks to count 429s.
Status 0 means the connection was dropped without an answer.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omisync.emulator.faults import FAULTED_PREFIX

MAX_LOGGED = 10_000
_WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One answered request."""

    method: str
    path: str
    status: int


class RequestLog:
    """The last :data:`MAX_LOGGED` requests plus running totals. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []
        self._by_status: Counter[int] = Counter()
        self._total = 0
        self._writes = 0

    def record(self, entry: LoggedRequest) -> None:
        """Add one request."""
        with self._lock:
            self._total += 1
            self._writes += entry.method in _WRITE_METHODS
            self._by_status[entry.status] += 1
            self._entries.append(entry)
            if len(self._entries) > MAX_LOGGED:
                del self._entries[0]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._by_status.clear()
            self._total = 0
            self._writes = 0

    def summary(self) -> dict[str, object]:
        """Return ``{"total", "by_status", "writes", "requests": [{method, path, status}]}``.

        ``total`` and ``writes`` (POST/PATCH/DELETE) count every request since the last clear;
        ``requests`` holds the last :data:`MAX_LOGGED`.
        """
        with self._lock:
            return {
                "total": self._total,
                "by_status": {str(k): v for k, v in sorted(self._by_status.items())},
                "writes": self._writes,
                "requests": [
                    {"method": e.method, "path": e.path, "status": e.status} for e in self._entries
                ],
            }


class RequestLogMiddleware:
    """Records every ``/v1/dev`` request with the status it was answered with."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Forward the request and log its outcome (even when the app raises)."""
        if scope["type"] != "http" or not scope["path"].startswith(FAULTED_PREFIX):
            await self.app(scope, receive, send)
            return
        status = 0

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            self.log.record(LoggedRequest(scope["method"], scope["path"], status))
