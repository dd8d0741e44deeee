"""The ``links`` table: load and save :class:`~omisync.sync.links.Link` rows in bulk."""

from __future__ import annotations

import contextlib
import gc
import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from omisync.state._codec import decode_json, encode_json, encode_time
from omisync.state.errors import DuplicateLinkError, StateCorruptError
from omisync.sync.links import Kind, Link, LinkState

if TYPE_CHECKING:
    from omisync.state.database import StateDB

_COLUMNS = (
    "link_id, connector, kind, omi_id, peer_id, omi_base, omi_hash, peer_base, peer_hash, "
    "state, conflict"
)
_UPSERT = (
    f"INSERT INTO links ({_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (link_id) DO UPDATE SET connector = excluded.connector, "
    "kind = excluded.kind, omi_id = excluded.omi_id, peer_id = excluded.peer_id, "
    "omi_base = excluded.omi_base, omi_hash = excluded.omi_hash, "
    "peer_base = excluded.peer_base, peer_hash = excluded.peer_hash, "
    "state = excluded.state, conflict = excluded.conflict, updated_at = excluded.updated_at"
)
_KINDS = {kind.value: kind for kind in Kind}
_STATES = {state.value: state for state in LinkState}


class LinkStore:
    """Every :class:`Link` of the state DB, keyed by ``link_id``.

    Bases and conflicts are stored as JSON text, so they must hold only JSON values (dict with
    str keys, list, str, int, float, bool, None); they load back equal.
    """

    def __init__(self, state: StateDB) -> None:
        self._state = state

    def load(self, connector: str, kind: Kind) -> dict[str, Link]:
        """Return the links of one connector and kind, by ``link_id``.

        Raises :class:`StateCorruptError` naming the link when a row cannot be decoded.
        """
        with _gc_paused():
            rows = self._state.fetch(
                f"SELECT {_COLUMNS} FROM links WHERE connector = ? AND kind = ?",
                (connector, kind),
            )
        links: dict[str, Link] = {}
        with _gc_paused():
            for row in rows:
                try:
                    link = _link_from_row(row)
                except (KeyError, TypeError, ValueError) as exc:
                    raise self._corrupt_row(row[0], exc) from exc
                links[link.link_id] = link
        return links

    def count(self, connector: str | None = None) -> dict[tuple[str, Kind], int]:
        """Return how many links each (connector, kind) has, for one connector or all."""
        sql = "SELECT connector, kind, count(*) FROM links"
        params: tuple[str, ...] = ()
        if connector is not None:
            sql += " WHERE connector = ?"
            params = (connector,)
        rows = self._state.fetch(sql + " GROUP BY connector, kind", params)
        return {(row[0], Kind(row[1])): row[2] for row in rows}

    def save(self, links: Iterable[Link]) -> None:
        """Insert or replace ``links`` (by ``link_id``) in one transaction.

        Raises :class:`DuplicateLinkError` when two links would share an item id on one side
        (same connector and kind), and TypeError/ValueError naming the link when a base or
        conflict is not JSON; either way nothing is saved. To move an item id from one link to
        another, delete the old link first, in the same :meth:`StateDB.transaction`. Pass only
        links that changed: a save rewrites each row given (bench/state.py: ~15 µs per link).
        """
        updated_at = encode_time(self._state.now())
        try:
            with _gc_paused(), self._state.transaction():
                self._state.db.conn.executemany(_UPSERT, _rows_of(links, updated_at))
        except sqlite3.IntegrityError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_CONSTRAINT_UNIQUE:
                raise
            raise DuplicateLinkError(
                f"Cannot save links: {exc}. Two links would join the same item; this is a bug "
                "in the sync plan, please report it (nothing was saved).",
                path=self._state.path,
            ) from exc

    def delete(self, link_ids: Iterable[str]) -> int:
        """Delete the links with these ids in one transaction; return how many existed."""
        with self._state.transaction():
            cursor = self._state.db.conn.executemany(
                "DELETE FROM links WHERE link_id = ?", ((link_id,) for link_id in link_ids)
            )
        return cursor.rowcount

    def _corrupt_row(self, link_id: str, exc: Exception) -> StateCorruptError:
        where = self._state.path or "the in-memory state DB"
        return StateCorruptError(
            f"Cannot read link {link_id!r} from the state DB {where}: {exc}. Fix: delete that "
            f"row (sqlite3 '{where}' \"DELETE FROM links WHERE link_id = '{link_id}'\"); the "
            "next run matches the two items up again.",
            path=self._state.path,
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: bulk loads make only acyclic objects, yet each GC pass would walk
    every object already made (for 100k links this more than doubles the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rows_of(links: Iterable[Link], updated_at: str) -> Iterator[tuple[Any, ...]]:
    for link in links:
        try:
            yield (
                link.link_id,
                link.connector,
                link.kind,
                link.omi_id,
                link.peer_id,
                encode_json(link.omi_base),
                link.omi_hash,
                encode_json(link.peer_base),
                link.peer_hash,
                link.state,
                None if link.conflict is None else encode_json(link.conflict),
                updated_at,
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"Link {link.link_id!r} cannot be saved: {exc}") from exc


def _link_from_row(row: tuple[Any, ...]) -> Link:
    conflict = row[10]
    return Link(
        row[0],
        row[1],
        _KINDS[row[2]],
        row[3],
        row[4],
        decode_json(row[5]),
        row[6],
        decode_json(row[7]),
        row[8],
        _STATES[row[9]],
        None if conflict is None else decode_json(conflict),
    )
