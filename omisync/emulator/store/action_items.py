"""Stored action items and the backend's list order (active first, dated before undated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omisync.emulator.identity import new_document_id
from omisync.emulator.store.database import Database
from omisync.emulator.store.records import ActionItemRecord
from omisync.emulator.timeutil import to_db


@dataclass(frozen=True, slots=True)
class ActionItemFilter:
    """The list filters of ``GET /user/action-items`` (None = no filter).

    ``start``/``end`` bound ``created_at`` inclusively; ``conversation_id`` is an equality
    filter on the literal value.
    """

    conversation_id: str | None = None
    completed: bool | None = None
    start: datetime | None = None
    end: datetime | None = None


def _values(record: ActionItemRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "description": record.description,
        "completed": int(record.completed),
        "created_at": to_db(record.created_at),
        "updated_at": to_db(record.updated_at),
        "due_at": to_db(record.due_at),
        "completed_at": to_db(record.completed_at),
        "conversation_id": record.conversation_id,
        "is_locked": int(record.is_locked),
    }


class ActionItemTable:
    """Reads and writes the ``action_items`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, record: ActionItemRecord) -> ActionItemRecord:
        """Insert or replace the action item with ``record.id``; return it."""
        self._db.upsert("action_items", _values(record))
        return record

    def create(
        self,
        description: str,
        *,
        completed: bool,
        due_at: datetime | None,
        now: datetime,
        conversation_id: str | None = None,
    ) -> ActionItemRecord:
        """Store a new action item under a fresh random id (creates are not idempotent)."""
        return self.put(
            ActionItemRecord(
                id=new_document_id(),
                description=description,
                completed=completed,
                created_at=now,
                updated_at=now,
                due_at=due_at,
                completed_at=now if completed else None,
                conversation_id=conversation_id,
                is_locked=False,
            )
        )

    def list_all(self) -> list[ActionItemRecord]:
        """Return every stored row, hidden ones included, oldest first."""
        rows = self._db.query("SELECT * FROM action_items ORDER BY created_at ASC, rowid ASC")
        return [ActionItemRecord.from_row(row) for row in rows]

    def get(self, item_id: str) -> ActionItemRecord | None:
        """Return the action item with this id, or None."""
        row = self._db.query_one("SELECT * FROM action_items WHERE id = ?", (item_id,))
        return None if row is None else ActionItemRecord.from_row(row)

    def list_page(
        self, query: ActionItemFilter, *, limit: int, offset: int
    ) -> list[ActionItemRecord]:
        """Return one page in the backend's order, locked rows included.

        Order: active before completed; inside each, due-dated rows (due ascending) before
        undated ones; ties newest ``created_at`` first. The offset counts every matching row.
        """
        sql = "SELECT * FROM action_items WHERE 1 = 1"
        params: list[Any] = []
        if query.conversation_id is not None:
            sql += " AND conversation_id = ?"
            params.append(query.conversation_id)
        if query.completed is not None:
            sql += " AND completed = ?"
            params.append(int(query.completed))
        if query.start is not None:
            sql += " AND created_at >= ?"
            params.append(to_db(query.start))
        if query.end is not None:
            sql += " AND created_at <= ?"
            params.append(to_db(query.end))
        sql += (
            " ORDER BY completed ASC, due_at IS NULL ASC, due_at ASC, created_at DESC,"
            " rowid DESC LIMIT ? OFFSET ?"
        )
        params.extend([limit, offset])
        return [ActionItemRecord.from_row(row) for row in self._db.query(sql, params)]

    def descriptions_created_since(self, since: datetime) -> list[str]:
        """Return the descriptions of action items created at or after ``since``."""
        sql = "SELECT description FROM action_items WHERE created_at >= ?"
        return [str(row["description"]) for row in self._db.query(sql, (to_db(since),))]

    def delete(self, item_id: str) -> bool:
        """Hard-delete an action item; return False if there was none."""
        return self._db.execute("DELETE FROM action_items WHERE id = ?", (item_id,)) > 0

    def set_locked(self, item_id: str, locked: bool) -> bool:
        """Lock or unlock an action item; return False if there is none."""
        sql = "UPDATE action_items SET is_locked = ? WHERE id = ?"
        return self._db.execute(sql, (int(locked), item_id)) > 0
