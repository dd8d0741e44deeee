"""The ``cursors`` table: named JSON values per connector and kind (sync tokens, watermarks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omisync.state._codec import decode_json, encode_json, encode_time

if TYPE_CHECKING:
    from omisync.state.database import StateDB


class Cursors:
    """Get and set cursors. Advance a cursor in the transaction that commits what it covers."""

    def __init__(self, state: StateDB) -> None:
        self._state = state

    def get(self, connector: str, kind: str, name: str, default: Any = None) -> Any:
        """Return the cursor's value, or ``default`` when it was never set."""
        rows = self._state.fetch(
            "SELECT value FROM cursors WHERE connector = ? AND kind = ? AND name = ?",
            (connector, kind, name),
        )
        return decode_json(rows[0][0]) if rows else default

    def set(self, connector: str, kind: str, name: str, value: Any) -> None:
        """Store ``value`` (any JSON value; TypeError/ValueError if not JSON) under the name."""
        encoded = encode_json(value)
        with self._state.transaction():
            self._state.db.conn.execute(
                "INSERT INTO cursors (connector, kind, name, value, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (connector, kind, name) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                (connector, kind, name, encoded, encode_time(self._state.now())),
            )

    def all(self, connector: str, kind: str) -> dict[str, Any]:
        """Every cursor of one connector and kind, by name."""
        rows = self._state.fetch(
            "SELECT name, value FROM cursors WHERE connector = ? AND kind = ? ORDER BY name",
            (connector, kind),
        )
        return {name: decode_json(value) for name, value in rows}

    def clear(self, connector: str, kind: str, name: str | None = None) -> int:
        """Delete one cursor (or all of the connector and kind when ``name`` is None).

        Returns how many were deleted; the next run then starts from a full scan.
        """
        sql = "DELETE FROM cursors WHERE connector = ? AND kind = ?"
        params: tuple[str, ...] = (connector, kind)
        if name is not None:
            sql += " AND name = ?"
            params = (*params, name)
        with self._state.transaction():
            cursor = self._state.db.conn.execute(sql, params)
        return cursor.rowcount
