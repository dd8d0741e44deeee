"""omisync's identity anchors: trailing Obsidian block ids such as ``^omi-k3f9q2a7xm``.

A *live* anchor (``omi-<id>``) marks the line that is linked to an Omi action item, wherever in
the vault the line moves. A *history* anchor (``omi-<id>-done``) marks the completed copy a
recurring task leaves behind; it is never synced, so completing a series makes no duplicate.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

__all__ = ["HISTORY_SUFFIX", "history_anchor", "is_history_anchor", "is_live_anchor", "new_anchor"]

_ALPHABET: Final = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0)
_LIVE_RE: Final = re.compile(r"omi-[a-z0-9]+")
HISTORY_SUFFIX: Final = "-done"


def new_anchor() -> str:
    """A fresh random live anchor, ``omi-`` and 10 characters (50 bits)."""
    return "omi-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def is_live_anchor(block_id: str | None) -> bool:
    """True when ``block_id`` is an omisync live anchor."""
    return block_id is not None and _LIVE_RE.fullmatch(block_id) is not None


def is_history_anchor(block_id: str | None) -> bool:
    """True when ``block_id`` marks the completed copy of a recurring omisync task."""
    return (
        block_id is not None
        and block_id.endswith(HISTORY_SUFFIX)
        and is_live_anchor(block_id[: -len(HISTORY_SUFFIX)])
    )


def history_anchor(anchor: str) -> str:
    """The history form of the live ``anchor``. Raises ValueError for a non-anchor."""
    if not is_live_anchor(anchor):
        raise ValueError(f"{anchor!r} is not an omisync anchor")
    return anchor + HISTORY_SUFFIX
