"""Stored memories: content-derived ids, the backend's ``scoring`` order, visibility rules."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from omisync.emulator.identity import memory_id_from_content
from omisync.emulator.store.database import Database
from omisync.emulator.store.records import MemoryRecord
from omisync.emulator.timeutil import as_utc, to_db

#: Categories whose scoring boost is 0 (they sort above the others inside a group).
_UNBOOSTED_CATEGORIES = frozenset({"system", "habits", "other", "auto"})


def memory_scoring(manually_added: bool, category: str, created_at: datetime) -> str:
    """Return the backend's ``scoring`` string: ``"{manual:02d}_{999-boost:02d}_{ts:010d}"``.

    Sorted descending it puts manual memories first, then ``system``-like categories above the
    rest, then the newest.
    """
    manual = 1 if manually_added else 0
    boost = 0 if category in _UNBOOSTED_CATEGORIES else 1
    timestamp = int(as_utc(created_at).timestamp())
    return f"{manual:02d}_{999 - boost:02d}_{timestamp:010d}"


def _values(record: MemoryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "content": record.content,
        "category": record.category,
        "visibility": record.visibility,
        "tags": json.dumps(record.tags),
        "created_at": to_db(record.created_at),
        "updated_at": to_db(record.updated_at),
        "manually_added": int(record.manually_added),
        "reviewed": int(record.reviewed),
        "user_review": None if record.user_review is None else int(record.user_review),
        "edited": int(record.edited),
        "scoring": record.scoring,
        "is_locked": int(record.is_locked),
        "invalid_at": to_db(record.invalid_at),
        "conversation_id": record.conversation_id,
    }


class MemoryTable:
    """Reads and writes the ``memories`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, record: MemoryRecord) -> MemoryRecord:
        """Insert or replace the memory with ``record.id``; return it."""
        self._db.upsert("memories", _values(record))
        return record

    def save_content(
        self,
        content: str,
        *,
        category: str,
        visibility: str,
        tags: Iterable[str],
        now: datetime,
        manually_added: bool,
        conversation_id: str | None = None,
    ) -> MemoryRecord:
        """Create a memory, or overwrite the one whose id derives from the same content.

        The id comes from the stripped content, so posting it again upserts. API memories
        (``manually_added``) are stored reviewed; extracted ones unreviewed. A lock survives.
        """
        stripped = content.strip()
        memory_id = memory_id_from_content(stripped)
        existing = self.get(memory_id)
        return self.put(
            MemoryRecord(
                id=memory_id,
                content=stripped,
                category=category,
                visibility=visibility,
                tags=list(tags),
                created_at=now,
                updated_at=now,
                manually_added=manually_added,
                reviewed=manually_added,
                user_review=True if manually_added else None,
                edited=False,
                scoring=memory_scoring(manually_added, category, now),
                is_locked=existing.is_locked if existing is not None else False,
                invalid_at=None,
                conversation_id=conversation_id,
            )
        )

    def list_all(self) -> list[MemoryRecord]:
        """Return every stored row, hidden ones included, oldest first."""
        rows = self._db.query("SELECT * FROM memories ORDER BY created_at ASC, rowid ASC")
        return [MemoryRecord.from_row(row) for row in rows]

    def get(self, memory_id: str) -> MemoryRecord | None:
        """Return the memory with this id, or None."""
        row = self._db.query_one("SELECT * FROM memories WHERE id = ?", (memory_id,))
        return None if row is None else MemoryRecord.from_row(row)

    def list_visible(
        self, *, limit: int, offset: int, categories: Sequence[str] = ()
    ) -> list[MemoryRecord]:
        """Return one page of visible memories, ordered ``scoring`` desc then ``created_at`` desc.

        Rows with ``user_review`` false or ``invalid_at`` set are hidden and do not count
        toward the offset. Locked rows are included (the route truncates their content).
        """
        sql = "SELECT * FROM memories WHERE (user_review IS NULL OR user_review != 0)"
        sql += " AND invalid_at IS NULL"
        params: list[Any] = []
        if categories:
            sql += f" AND category IN ({', '.join('?' for _ in categories)})"
            params.extend(categories)
        sql += " ORDER BY scoring DESC, created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        params.extend([limit, offset])
        return [MemoryRecord.from_row(row) for row in self._db.query(sql, params)]

    def delete(self, memory_id: str) -> bool:
        """Hard-delete a memory; return False if there was none."""
        return self._db.execute("DELETE FROM memories WHERE id = ?", (memory_id,)) > 0

    def set_locked(self, memory_id: str, locked: bool) -> bool:
        """Lock or unlock a memory; return False if there is none."""
        sql = "UPDATE memories SET is_locked = ? WHERE id = ?"
        return self._db.execute(sql, (int(locked), memory_id)) > 0
