"""Helpers of the OmiSide tests: drafts, and what the emulator logged and stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient
from omisync.sync.side import Draft

ZONE = "Europe/Lisbon"

#: ``make_client(api_key=None, attempts=2)`` (the fixture of the same name).
MakeClient = Callable[..., OmiClient]


def task(text: str, *, done: bool = False, due: str | None = None, stamp: str = "") -> Draft:
    """A task draft (the stamp defaults to the text)."""
    return Draft(stamp or text, {"text": text, "done": done, "due": due})


def note(
    text: str,
    *,
    category: str | None = None,
    tags: list[str] | None = None,
    visibility: str = "private",
    stamp: str = "",
) -> Draft:
    """A note draft (the stamp defaults to the text)."""
    fields: dict[str, Any] = {
        "text": text,
        "category": category,
        "tags": tags or [],
        "visibility": visibility,
    }
    return Draft(stamp or text, fields)


def requests(emu: RunningEmulator, method: str, path_part: str = "") -> list[dict[str, Any]]:
    """The logged ``/v1/dev`` requests with ``method`` whose path contains ``path_part``."""
    return [
        entry
        for entry in emu.stats()["requests"]
        if entry["method"] == method and path_part in entry["path"]
    ]


def stored(emu: RunningEmulator, kind: str, record_id: str) -> dict[str, Any]:
    """The emulator's stored row (hidden fields included) of one memory or action item."""
    rows = emu.records()[kind]
    return next(row for row in rows if row["id"] == record_id)
