"""Stored conversations: soft deletes, the listing rules (completed, not discarded), filters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omisync.emulator.store.database import Database
from omisync.emulator.store.records import ConversationRecord
from omisync.emulator.timeutil import to_db


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """The list filters of ``GET /user/conversations`` (None or empty = no filter).

    ``start``/``end`` bound ``created_at`` inclusively; ``categories`` is an IN filter on
    ``structured.category``.
    """

    start: datetime | None = None
    end: datetime | None = None
    categories: Sequence[str] = ()
    folder_id: str | None = None
    starred: bool | None = None


def _values(record: ConversationRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": to_db(record.created_at),
        "updated_at": to_db(record.updated_at),
        "started_at": to_db(record.started_at),
        "finished_at": to_db(record.finished_at),
        "language": record.language,
        "source": record.source,
        "geolocation": None if record.geolocation is None else json.dumps(record.geolocation),
        "folder_id": record.folder_id,
        "starred": int(record.starred),
        "status": record.status,
        "discarded": int(record.discarded),
        "deleted": int(record.deleted),
        "is_locked": int(record.is_locked),
        "title": record.title,
        "user_title": record.user_title,
        "overview": record.overview,
        "emoji": record.emoji,
        "category": record.category,
        "action_items": json.dumps([item.to_json() for item in record.action_items]),
        "events": json.dumps(record.events),
        "transcript_segments": json.dumps([s.to_json() for s in record.transcript_segments]),
    }


class ConversationTable:
    """Reads and writes the ``conversations`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, record: ConversationRecord) -> ConversationRecord:
        """Insert or replace the conversation with ``record.id``; return it."""
        self._db.upsert("conversations", _values(record))
        return record

    def list_all(self) -> list[ConversationRecord]:
        """Return every stored row, hidden ones included, oldest first."""
        rows = self._db.query("SELECT * FROM conversations ORDER BY created_at ASC, rowid ASC")
        return [ConversationRecord.from_row(row) for row in rows]

    def get(self, conversation_id: str) -> ConversationRecord | None:
        """Return the conversation with this id whatever its state (deleted too), or None."""
        row = self._db.query_one("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        return None if row is None else ConversationRecord.from_row(row)

    def list_visible(
        self, query: ConversationFilter, *, limit: int, offset: int
    ) -> list[ConversationRecord]:
        """Return one page of listed conversations, newest ``created_at`` first.

        Only completed, non-discarded, non-deleted, unlocked rows are listed; the offset
        counts listed rows only.
        """
        sql = (
            "SELECT * FROM conversations WHERE status = 'completed' AND discarded = 0"
            " AND deleted = 0 AND is_locked = 0"
        )
        params: list[Any] = []
        if query.start is not None:
            sql += " AND created_at >= ?"
            params.append(to_db(query.start))
        if query.end is not None:
            sql += " AND created_at <= ?"
            params.append(to_db(query.end))
        if query.categories:
            sql += f" AND category IN ({', '.join('?' for _ in query.categories)})"
            params.extend(query.categories)
        if query.folder_id is not None:
            sql += " AND folder_id = ?"
            params.append(query.folder_id)
        if query.starred is not None:
            sql += " AND starred = ?"
            params.append(int(query.starred))
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        params.extend([limit, offset])
        return [ConversationRecord.from_row(row) for row in self._db.query(sql, params)]

    def count_in_folder(self, folder_id: str) -> int:
        """Return how many non-deleted conversations sit in a folder."""
        sql = "SELECT COUNT(*) AS n FROM conversations WHERE folder_id = ? AND deleted = 0"
        row = self._db.query_one(sql, (folder_id,))
        return 0 if row is None else int(row["n"])

    def set_locked(self, conversation_id: str, locked: bool) -> bool:
        """Lock or unlock a conversation; return False if there is none."""
        sql = "UPDATE conversations SET is_locked = ? WHERE id = ?"
        return self._db.execute(sql, (int(locked), conversation_id)) > 0
