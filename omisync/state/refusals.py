"""The ``refusals`` table: items omisync will not sync, and why, until that is resolved.

E.g. a note longer than Omi accepts is refused (never truncated); ``omisync status`` lists the
refusals so the user can fix the item, after which the next run clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from omisync.state._codec import decode_time, encode_time
from omisync.state.sides import SideName

if TYPE_CHECKING:
    from omisync.state.database import StateDB

_UPSERT = (
    "INSERT INTO refusals (connector, kind, side, item_id, reason, first_seen, last_seen, place) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connector, kind, side, item_id) DO UPDATE SET "
    "reason = excluded.reason, last_seen = excluded.last_seen, place = excluded.place"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """An item on ``side`` that omisync refuses to sync, first and last seen refused;
    ``place`` is where the user finds it (e.g. a vault path), when its side said."""

    connector: str
    kind: str
    side: SideName
    item_id: str
    reason: str
    first_seen: datetime
    last_seen: datetime
    place: str | None = None


class Refusals:
    """Record, clear and list refused items."""

    def __init__(self, state: StateDB) -> None:
        self._state = state

    def record(self, connector: str, kind: str, side: SideName, item_id: str, reason: str) -> None:
        """Record or refresh a refusal (``first_seen`` kept, ``last_seen``, ``reason`` updated)."""
        self.replace(connector, kind, {(side, item_id): reason}, clear_others=False)

    def clear(self, connector: str, kind: str, side: SideName, item_id: str) -> bool:
        """Forget a refusal (the item was fixed or is gone); True if there was one."""
        with self._state.transaction():
            cursor = self._state.db.conn.execute(
                "DELETE FROM refusals WHERE connector = ? AND kind = ? AND side = ? "
                "AND item_id = ?",
                (connector, kind, SideName(side).value, item_id),
            )
        return cursor.rowcount > 0

    def replace(
        self,
        connector: str,
        kind: str,
        refused: Mapping[tuple[SideName, str], str],
        *,
        clear_others: bool = True,
        places: Mapping[tuple[SideName, str], str] | None = None,
    ) -> None:
        """Make ``refused`` ((side, item id) → reason) the refusals of this connector and kind.

        New ones are recorded, existing ones refreshed (keeping ``first_seen``), and, with
        ``clear_others``, every other refusal of the connector and kind is cleared as resolved.
        Pass the refusals of a run that looked at every item of that kind. ``places`` gives
        the place of the items whose side said where they are.
        """
        now = encode_time(self._state.now())
        places = places or {}
        rows = [
            (connector, kind, SideName(key[0]).value, key[1], reason, now, now, places.get(key))
            for key, reason in refused.items()
        ]
        conn = self._state.db.conn
        with self._state.transaction():
            conn.executemany(_UPSERT, rows)
            if clear_others:
                kept = {(row[2], row[3]) for row in rows}
                stored = conn.execute(
                    "SELECT side, item_id FROM refusals WHERE connector = ? AND kind = ?",
                    (connector, kind),
                ).fetchall()
                conn.executemany(
                    "DELETE FROM refusals WHERE connector = ? AND kind = ? AND side = ? "
                    "AND item_id = ?",
                    [(connector, kind, *key) for key in stored if tuple(key) not in kept],
                )

    def all(self, connector: str | None = None) -> list[Refusal]:
        """Current refusals (of one connector, or all), oldest first."""
        sql = (
            "SELECT connector, kind, side, item_id, reason, first_seen, last_seen, place "
            "FROM refusals"
        )
        params: tuple[str, ...] = ()
        if connector is not None:
            sql += " WHERE connector = ?"
            params = (connector,)
        rows = self._state.fetch(sql + " ORDER BY first_seen, connector, kind, item_id", params)
        return [_refusal_from_row(row) for row in rows]


def _refusal_from_row(row: tuple[Any, ...]) -> Refusal:
    return Refusal(
        connector=row[0],
        kind=row[1],
        side=SideName(row[2]),
        item_id=row[3],
        reason=row[4],
        first_seen=decode_time(row[5]),
        last_seen=decode_time(row[6]),
        place=row[7],
    )
