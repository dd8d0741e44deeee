"""Fault injection for ``/v1/dev``: error answers (any 4xx/5xx status with a chosen body),
added latency (before a request is handled, or after it and before its answer), dropped
connections, 429 storms and short list pages, switched on by
:class:`~omisync.emulator.config.FaultConfig`.

Random faults draw from ``random.Random(seed)``, so the same request sequence meets the same
faults. Admin routes (``/_emulator/``) are never faulted.
"""

from __future__ import annotations

import asyncio
import http
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omisync.emulator.config import FaultConfig
from omisync.emulator.connections import ConnectionRegistry
from omisync.emulator.throttle import rate_limited_detail

FAULTED_PREFIX = "/v1/dev"


@dataclass(frozen=True, slots=True)
class FaultAction:
    """What to do to one request (all falsy = nothing)."""

    latency_seconds: float = 0.0
    answer_latency_seconds: float = 0.0
    drop: bool = False
    error_status: int | None = None
    error_body: object = None
    storm_retry_after: int | None = None


class FaultState:
    """The active :class:`FaultConfig` plus what is left of its one-shot counters. Thread-safe."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace every fault setting (counters and the random sequence restart)."""
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._fail_left = config.fail_next
            self._drop_left = config.drop_next
            self._storm_left = config.storm_429
            self._latency_left = config.latency_next

    def snapshot(self) -> dict[str, object]:
        """Return the settings and the remaining counters (for ``GET /_emulator/faults``)."""
        with self._lock:
            config = self._config
            return {
                "seed": config.seed,
                "error_rate": config.error_rate,
                "error_status": config.error_status,
                "error_body": config.error_body,
                "drop_rate": config.drop_rate,
                "latency_ms": config.latency_ms,
                "answer_latency_ms": config.answer_latency_ms,
                "retry_after": config.retry_after,
                "short_page_drop": config.short_page_drop,
                "path_contains": config.path_contains,
                "fail_next": self._fail_left,
                "drop_next": self._drop_left,
                "storm_429": self._storm_left,
                "latency_next": self._latency_left,
            }

    def applies_to(self, path: str) -> bool:
        """Return True when faults target ``path``."""
        needle = self._config.path_contains
        return path.startswith(FAULTED_PREFIX) and (needle is None or needle in path)

    def short_page_drop(self, path: str) -> int:
        """Return how many rows to remove from the end of a list page served at ``path``."""
        return self._config.short_page_drop if self.applies_to(path) else 0

    def decide(self, path: str) -> FaultAction:
        """Return the faults for the next request to ``path`` (consuming one-shot counters)."""
        if not self.applies_to(path):
            return FaultAction()
        with self._lock:
            config = self._config
            latency = 0.0
            if config.latency_ms and (self._latency_left is None or self._latency_left > 0):
                latency = config.latency_ms / 1000
                if self._latency_left is not None:
                    self._latency_left -= 1
            if self._drop_left > 0:
                self._drop_left -= 1
                return FaultAction(latency, drop=True)
            if self._storm_left > 0:
                self._storm_left -= 1
                return FaultAction(latency, storm_retry_after=config.retry_after)
            if self._fail_left > 0:
                self._fail_left -= 1
                return self._error(latency)
            drop_draw, error_draw = self._random.random(), self._random.random()
            if drop_draw < config.drop_rate:
                return FaultAction(latency, drop=True)
            if error_draw < config.error_rate:
                return self._error(latency)
            return FaultAction(latency, answer_latency_seconds=config.answer_latency_ms / 1000)

    def _error(self, latency: float) -> FaultAction:
        """An error answer as configured (call with the lock held)."""
        config = self._config
        return FaultAction(latency, error_status=config.error_status, error_body=config.error_body)


#: The limit a 429 storm announces for a request (``X-RateLimit-Limit``; None: no header).
StormLimit = Callable[[Scope], int | None]


class FaultInjectionMiddleware:
    """Applies :meth:`FaultState.decide` to every HTTP request before the app sees it.

    A 429 of a storm carries ``Retry-After``, ``X-RateLimit-Remaining: 0`` and the
    ``X-RateLimit-Limit`` that ``storm_limit`` gives for the request (the active profile's
    limit for its route), as a real refusal would.
    """

    def __init__(
        self,
        app: ASGIApp,
        faults: FaultState,
        connections: ConnectionRegistry,
        storm_limit: StormLimit,
    ) -> None:
        self.app = app
        self.faults = faults
        self.connections = connections
        self.storm_limit = storm_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, drop, refuse or fail the request as configured, else pass it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        action = self.faults.decide(scope["path"])
        if action.latency_seconds:
            await asyncio.sleep(action.latency_seconds)
        if action.drop:
            await self._drop(scope, send)
        elif action.storm_retry_after is not None:
            retry_after = action.storm_retry_after
            headers = _storm_headers(retry_after, self.storm_limit(scope))
            await _send(send, 429, _storm_body(retry_after), headers)
        elif action.error_status is not None:
            body, headers = _error_answer(action.error_status, action.error_body)
            await _send(send, action.error_status, body, headers)
        elif action.answer_latency_seconds:
            await self.app(scope, receive, _delayed(send, action.answer_latency_seconds))
        else:
            await self.app(scope, receive, send)

    async def _drop(self, scope: Scope, send: Send) -> None:
        if self.connections.close(scope):
            # Let the server notice the closed transport before the app returns, so it does
            # not try to answer on it.
            for _ in range(3):
                await asyncio.sleep(0)
            return
        # Served without our connection tracking: cut the response after its headers instead.
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ConnectionAbortedError("emulated dropped connection")


def _delayed(send: Send, seconds: float) -> Send:
    """``send``, holding the answer back ``seconds`` once the app has produced it."""

    async def send_later(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)

    return send_later


def _error_answer(status: int, body: object) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The body and headers of an injected error answer (see ``FaultConfig.error_body``)."""
    if body is None:
        return http.HTTPStatus(status).phrase.encode(), []
    if isinstance(body, str):
        return body.encode(), []
    return json.dumps(body).encode(), [(b"content-type", b"application/json")]


def _storm_body(retry_after: int) -> bytes:
    return b'{"detail":"' + rate_limited_detail(retry_after).encode() + b'"}'


def _storm_headers(retry_after: int, limit: int | None) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", b"application/json"),
        (b"retry-after", str(retry_after).encode()),
        (b"x-ratelimit-remaining", b"0"),
    ]
    if limit is not None:
        headers.append((b"x-ratelimit-limit", str(limit).encode()))
    return headers


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if not any(name == b"content-type" for name, _ in headers):
        headers = [*headers, (b"content-type", b"text/plain; charset=utf-8")]
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
