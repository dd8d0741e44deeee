"""Connector discovery through the ``omisync.connectors`` entry-point group.

Built-in connectors register exactly as a third-party package would::

    [project.entry-points."omisync.connectors"]
    markdown = "omisync.connectors.markdown:MarkdownSide"

The object an entry point names is a *connector factory*: see :class:`ConnectorFactory`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from datetime import tzinfo
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import BaseModel

from omisync.sync.side import Side

GROUP = "omisync.connectors"


class ConnectorFactory(Protocol):
    """What a connector's entry point must name (a class with these class-level members)."""

    options_model: type[BaseModel]
    """The pydantic model of the connector's own config keys (``extra="forbid"``)."""

    def from_settings(
        self, name: str, options: Mapping[str, Any], *, zone: tzinfo, dry_run: bool
    ) -> Side:
        """Build the peer side of connector ``name`` from its own config keys.

        A factory may also take a keyword ``state_dir: Path`` (omisync's state folder, where
        it may keep caches between runs); :func:`build_side` passes it only to those that do.
        """
        ...


class UnknownConnectorError(LookupError):
    """No installed connector has this type name; the message lists the ones that exist."""


class BrokenConnectorError(ImportError):
    """A connector is registered but cannot be loaded; the message names the package."""


def _registered() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def connector_types() -> list[str]:
    """The type names of every installed connector, sorted."""
    return sorted(_registered())


def load_connector(type_name: str) -> ConnectorFactory:
    """Return the factory registered as ``type_name``.

    Raises :class:`UnknownConnectorError` (with a "did you mean") or
    :class:`BrokenConnectorError` when the package fails to import or lacks the contract.
    """
    registered = _registered()
    entry = registered.get(type_name)
    if entry is None:
        close = difflib.get_close_matches(type_name, list(registered), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(registered)) or "none"
        raise UnknownConnectorError(
            f"no connector of type {type_name!r} is installed{hint} (installed: {known})"
        )
    try:
        factory = entry.load()
    except Exception as exc:  # a third-party package may fail in any way on import
        raise BrokenConnectorError(
            f"connector {type_name!r} ({entry.value}) failed to load: {exc}; "
            "reinstall the package that provides it"
        ) from exc
    missing = [m for m in ("options_model", "from_settings") if not hasattr(factory, m)]
    if missing:
        raise BrokenConnectorError(
            f"connector {type_name!r} ({entry.value}) lacks {', '.join(missing)}; "
            "it was written for another omisync version"
        )
    return cast(ConnectorFactory, factory)


def build_side(
    factory: ConnectorFactory,
    name: str,
    options: Mapping[str, Any],
    *,
    zone: tzinfo,
    dry_run: bool,
    state_dir: Path,
) -> Side:
    """``factory.from_settings(...)``, with ``state_dir`` when its signature takes it (or
    ``**kwargs``), so connectors written before that keyword still load."""
    try:
        parameters = list(inspect.signature(factory.from_settings).parameters.values())
    except (TypeError, ValueError):  # no signature to read: call the plain contract
        parameters = []
    takes = any(p.name == "state_dir" or p.kind is p.VAR_KEYWORD for p in parameters)
    if not takes:
        return factory.from_settings(name, options, zone=zone, dry_run=dry_run)
    build: Any = factory.from_settings
    side: Side = build(name, options, zone=zone, dry_run=dry_run, state_dir=state_dir)
    return side


def options_model(type_name: str) -> type[BaseModel] | None:
    """The options schema of ``type_name`` for config checks, or None if no such connector."""
    try:
        return load_connector(type_name).options_model
    except UnknownConnectorError:
        return None
