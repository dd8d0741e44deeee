"""The emulator's persistence: one SQLite database and a table object per kind of record."""

from __future__ import annotations

from pathlib import Path

from omisync.emulator.store.action_items import ActionItemFilter, ActionItemTable
from omisync.emulator.store.conversations import ConversationFilter, ConversationTable
from omisync.emulator.store.database import Database
from omisync.emulator.store.folders import FolderTable
from omisync.emulator.store.keys import KeyTable
from omisync.emulator.store.memories import MemoryTable, memory_scoring
from omisync.emulator.store.records import (
    ActionItemRecord,
    ConversationRecord,
    EmbeddedActionItem,
    FolderRecord,
    KeyRecord,
    MemoryRecord,
    SegmentRecord,
)

__all__ = [
    "ActionItemFilter",
    "ActionItemRecord",
    "ConversationFilter",
    "ConversationRecord",
    "EmbeddedActionItem",
    "FolderRecord",
    "KeyRecord",
    "MemoryRecord",
    "SegmentRecord",
    "Store",
    "memory_scoring",
]


class Store:
    """All of the emulator's tables over one database (``path`` None = in memory)."""

    def __init__(self, path: Path | None = None) -> None:
        self.db = Database(path)
        self.memories = MemoryTable(self.db)
        self.action_items = ActionItemTable(self.db)
        self.conversations = ConversationTable(self.db)
        self.keys = KeyTable(self.db)
        self.folders = FolderTable(self.db)

    def close(self) -> None:
        """Close the database."""
        self.db.close()
