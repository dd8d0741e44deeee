"""The connector's scan caches, kept in one JSON file between processes.

Each store of a vault side (the task scan, the memory-note index) keeps its cache in a
*section* of the file, stored with a *key* that says what the section was made for (its format
version, the vault, the selection or folder). A section whose key differs from what the store
asks for is ignored, so a cache made by another version or for another config starts cold
instead of hiding notes. A missing or unreadable file starts every section cold.

Saving writes the whole file atomically (mode 0600: it holds lines of the user's notes) and
only when a section changed, so a cycle that finds nothing new writes nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["CacheFile"]


class CacheFile:
    """The cache file at ``path`` (None: a cache that lives only in this process)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._sections: dict[str, Any] = {}
        self._saved = ""
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
            loaded = json.loads(text)
        except (OSError, ValueError):
            return
        if isinstance(loaded, dict):
            self._sections = loaded
            self._saved = text

    def section(self, name: str, key: str) -> Any:
        """The payload stored under ``name`` with ``key``; None when absent or made for
        another key."""
        stored = self._sections.get(name)
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        return stored.get("payload")

    def store(self, name: str, key: str, payload: Any) -> None:
        """Keep ``payload`` under ``name`` and write the file when anything changed.

        Raises OSError when the file cannot be written (the caller reports it; the cache then
        only lives in this process).
        """
        self._sections[name] = {"key": key, "payload": payload}
        if self.path is None:
            return
        text = json.dumps(self._sections, ensure_ascii=False, sort_keys=True)
        if text == self._saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, self.path)
        self._saved = text
