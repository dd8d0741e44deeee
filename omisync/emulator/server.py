"""Serving the emulator with uvicorn in a background thread, and driving it from Python.

``run_emulator(config)`` binds ``127.0.0.1:0`` (a free port) by default, waits until the
server accepts requests and returns a :class:`RunningEmulator`, usable as a context manager.
Its helpers (``set_faults``, ``seed``, ``lock`` ...) call the ``/_emulator/`` admin routes
over HTTP, exactly as a test in another process would.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from types import TracebackType
from typing import Any, Literal

import httpx
import uvicorn
from fastapi import FastAPI

from omisync.emulator.app import create_app
from omisync.emulator.config import EmulatorConfig, FaultConfig
from omisync.emulator.connections import tracking_protocol
from omisync.emulator.state import EmulatorState

STARTUP_TIMEOUT_SECONDS = 15.0
LockKind = Literal["memory", "action_item", "conversation"]


class EmulatorStartError(RuntimeError):
    """The emulator could not start (port in use, database unreadable, ...)."""


class RunningEmulator:
    """A live emulator: its URLs, credentials, app state and admin helpers.

    - ``base_url``: ``http://HOST:PORT/v1/dev`` (what an Omi client is pointed at);
    - ``root_url``: ``http://HOST:PORT``;
    - ``api_key`` / ``admin_token``: the startup developer key and the admin bearer token
      (never shown by ``repr``).
    """

    def __init__(
        self,
        app: FastAPI,
        server: uvicorn.Server,
        thread: threading.Thread,
        sock: socket.socket,
        host: str,
    ) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        self._socket = sock
        self.port: int = sock.getsockname()[1]
        self.host = host
        self.root_url = f"http://{host}:{self.port}"
        self.base_url = f"{self.root_url}/v1/dev"
        self._admin: httpx.Client | None = None
        self._stopped = False

    @property
    def state(self) -> EmulatorState:
        """The app's live state (store, limiter, faults, request log)."""
        state: EmulatorState = self.app.state.emulator
        return state

    @property
    def config(self) -> EmulatorConfig:
        """The configuration this emulator runs with."""
        return self.state.config

    @property
    def api_key(self) -> str:
        """The raw developer key registered at start."""
        return self.state.api_key

    @property
    def admin_token(self) -> str:
        """The bearer token of ``/_emulator/`` and ``/v1/dev/keys``."""
        return self.config.admin_token

    def __repr__(self) -> str:
        return f"RunningEmulator(base_url={self.base_url!r})"

    # ------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        """Stop serving, wait for the server thread, close the database. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._admin is not None:
            self._admin.close()
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        self._socket.close()
        self.state.store.close()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ admin helpers

    def _client(self) -> httpx.Client:
        if self._admin is None:
            self._admin = httpx.Client(
                base_url=self.root_url,
                headers={"Authorization": f"Bearer {self.admin_token}"},
                timeout=30.0,
            )
        return self._admin

    def admin_request(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_emulator/<path>`` with the admin token; return the decoded JSON answer.

        Raises ``httpx.HTTPStatusError`` when the emulator refuses the call.
        """
        response = self._client().request(method, f"/_emulator{path}", json=json)
        response.raise_for_status()
        return response.json()

    def set_faults(self, faults: FaultConfig | None = None, **changes: Any) -> dict[str, Any]:
        """Replace the fault settings (``faults`` and/or keyword fields; none = no faults)."""
        settings = asdict(faults) if faults is not None else {}
        settings.update(changes)
        result: dict[str, Any] = self.admin_request("POST", "/faults", settings)
        return result

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self.set_faults()

    def seed(self, payload: Mapping[str, Any]) -> dict[str, list[str]]:
        """Store records as given (see :class:`~omisync.emulator.seed.SeedPayload`); return
        their ids by kind."""
        result: dict[str, list[str]] = self.admin_request("POST", "/seed", dict(payload))
        return result

    def lock(self, kind: LockKind, record_id: str, locked: bool = True) -> None:
        """Lock (or unlock) one memory, action item or conversation."""
        self.admin_request("POST", "/lock", {"kind": kind, "id": record_id, "locked": locked})

    def reset(self, *, sample_data: bool = False) -> None:
        """Empty the data (keys stay), rate windows and log; restore the startup faults."""
        self.admin_request("POST", "/reset", {"sample_data": sample_data})

    def reset_rate_limits(self) -> None:
        """Forget every rate-limit window."""
        self.admin_request("POST", "/rate-limits/reset")

    def rate_limit_usage(self) -> dict[str, int]:
        """Requests per rate-limit bucket in its open windows (``{}`` when nothing counted)."""
        result: dict[str, int] = self.admin_request("GET", "/rate-limits")["used"]
        return result

    def stats(self) -> dict[str, Any]:
        """The ``/v1/dev`` request log (``total``, ``writes``, ``by_status``, ``requests``)."""
        result: dict[str, Any] = self.admin_request("GET", "/stats")
        return result

    def clear_stats(self) -> None:
        """Empty the request log."""
        self.admin_request("DELETE", "/stats")

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every stored record with hidden fields (``is_locked``, ``deleted`` ...)."""
        result: dict[str, list[dict[str, Any]]] = self.admin_request("GET", "/records")
        return result

    def create_key(self, name: str, scopes: Sequence[str] | None) -> str:
        """Create another developer key through ``POST /v1/dev/keys``; return the raw key.

        ``scopes`` None stores null (read-only). Raises ``httpx.HTTPStatusError`` on refusal.
        """
        body = {"name": name, "scopes": None if scopes is None else list(scopes)}
        response = self._client().post("/v1/dev/keys", json=body)
        response.raise_for_status()
        key: str = response.json()["key"]
        return key


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only disables Nagle (TCP_NODELAY) on accepted sockets
    # whose proto says TCP; with proto 0 every keep-alive response waits ~40 ms for an ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EmulatorStartError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port, or 0 for "
            "any free port"
        ) from exc
    return sock


def run_emulator(
    config: EmulatorConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
) -> RunningEmulator:
    """Start an emulator in a background thread and return it once it accepts requests.

    ``port`` 0 picks a free port. Raises :class:`EmulatorStartError` when it cannot listen
    or does not come up within :data:`STARTUP_TIMEOUT_SECONDS`.
    """
    app = create_app(config)
    state: EmulatorState = app.state.emulator
    sock = _bind(host, port)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            ws="none",
            http=tracking_protocol(state.connections),
            timeout_graceful_shutdown=2,
            # Keep uvicorn's loggers in the process's own logging setup (omisync.logs)
            # instead of installing handlers of its own.
            log_config=None,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="omi-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            state.store.close()
            raise EmulatorStartError("the Omi emulator did not start; see the log above")
        time.sleep(0.01)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return RunningEmulator(app, server, thread, sock, shown_host)
