"""Closing a request's TCP connection without answering (the "dropped connection" fault).

ASGI gives an application no handle on its socket, so the server registers each connection's
transport here under ``(server address, client address)``, the same pair the ASGI scope
carries; the fault middleware looks the request's transport up and closes it.
:func:`tracking_protocol` builds the uvicorn protocol class that does the registering.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.types import Scope

_Address = tuple[str, int]


def _address(value: Any) -> _Address | None:
    if isinstance(value, (tuple, list)) and len(value) >= 2:
        return (str(value[0]), int(value[1]))
    return None


class ConnectionRegistry:
    """Live transports by ``(server address, client address)``. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transports: dict[tuple[_Address, _Address], asyncio.BaseTransport] = {}

    def add(self, transport: asyncio.BaseTransport) -> None:
        """Remember a newly accepted connection."""
        key = self._key_of(transport)
        if key is not None:
            with self._lock:
                self._transports[key] = transport

    def discard(self, transport: asyncio.BaseTransport) -> None:
        """Forget a closed connection."""
        key = self._key_of(transport)
        if key is not None:
            with self._lock:
                if self._transports.get(key) is transport:
                    del self._transports[key]

    def close(self, scope: Scope) -> bool:
        """Close the connection that carries the request ``scope``; False if it is unknown."""
        server, client = _address(scope.get("server")), _address(scope.get("client"))
        if server is None or client is None:
            return False
        with self._lock:
            transport = self._transports.get((server, client))
        if transport is None:
            return False
        transport.close()
        return True

    @staticmethod
    def _key_of(transport: asyncio.BaseTransport) -> tuple[_Address, _Address] | None:
        server = _address(transport.get_extra_info("sockname"))
        client = _address(transport.get_extra_info("peername"))
        if server is None or client is None:
            return None
        return (server, client)


def tracking_protocol(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    """Return a uvicorn h11 protocol class that registers its transports in ``registry``."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TrackingH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, registering each connection while it is open."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            registry.add(transport)
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.discard(self.transport)
            super().connection_lost(exc)

    return TrackingH11Protocol
