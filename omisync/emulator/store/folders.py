"""Stored conversation folders (read-only through ``/v1/dev``; seeded by the admin API)."""

from __future__ import annotations

from typing import Any

from omisync.emulator.store.database import Database
from omisync.emulator.store.records import FolderRecord
from omisync.emulator.timeutil import to_db


def _values(record: FolderRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "description": record.description,
        "color": record.color,
        "icon": record.icon,
        "created_at": to_db(record.created_at),
        "updated_at": to_db(record.updated_at),
        "position": record.position,
        "is_default": int(record.is_default),
        "is_system": int(record.is_system),
    }


class FolderTable:
    """Reads and writes the ``folders`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, record: FolderRecord) -> FolderRecord:
        """Insert or replace the folder with ``record.id``; return it."""
        self._db.upsert("folders", _values(record))
        return record

    def get(self, folder_id: str) -> FolderRecord | None:
        """Return the folder with this id, or None."""
        row = self._db.query_one("SELECT * FROM folders WHERE id = ?", (folder_id,))
        return None if row is None else FolderRecord.from_row(row)

    def list_all(self) -> list[FolderRecord]:
        """Return every folder in display order (position, then name)."""
        rows = self._db.query("SELECT * FROM folders ORDER BY position ASC, name ASC, id ASC")
        return [FolderRecord.from_row(row) for row in rows]
