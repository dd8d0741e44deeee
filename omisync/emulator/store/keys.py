"""Stored developer API keys: only the sha256 of each secret is kept, except the emulator's
own startup key, which a persistent database remembers so that a restart serves it again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from omisync.emulator.identity import (
    dev_key_display_prefix,
    hash_dev_key,
    new_dev_key,
    new_uuid,
)
from omisync.emulator.store.database import Database
from omisync.emulator.store.records import KeyRecord
from omisync.emulator.timeutil import to_db

_STARTUP_KEY_SETTING = "startup_api_key"


def _values(record: KeyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "hashed_key": record.hashed_key,
        "key_prefix": record.key_prefix,
        "created_at": to_db(record.created_at),
        "last_used_at": to_db(record.last_used_at),
        "scopes": None if record.scopes is None else json.dumps(list(record.scopes)),
    }


class KeyTable:
    """Reads and writes the ``dev_api_keys`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        name: str,
        scopes: Sequence[str] | None,
        now: datetime,
        raw_key: str | None = None,
    ) -> tuple[str, KeyRecord]:
        """Store a key (a fresh random one unless ``raw_key`` is given).

        Returns ``(raw_key, record)``. If a key with the same secret already exists (a
        persistent database reused with a fixed key), its record is returned unchanged.
        """
        raw = raw_key or new_dev_key()
        hashed = hash_dev_key(raw)
        if hashed is None:
            raise ValueError("a developer key must start with omi_dev_")
        existing = self.find_by_hash(hashed)
        if existing is not None:
            return raw, existing
        record = KeyRecord(
            id=new_uuid(),
            name=name,
            hashed_key=hashed,
            key_prefix=dev_key_display_prefix(raw),
            created_at=now,
            last_used_at=None,
            scopes=None if scopes is None else list(scopes),
        )
        self._db.upsert("dev_api_keys", _values(record))
        return raw, record

    def startup_key(self) -> str | None:
        """The raw startup key this database remembers (:meth:`remember_startup_key`), or None."""
        row = self._db.query_one(
            "SELECT value FROM emulator_settings WHERE name = ?", (_STARTUP_KEY_SETTING,)
        )
        return None if row is None else str(row["value"])

    def remember_startup_key(self, raw_key: str) -> None:
        """Remember ``raw_key`` as the key to serve when this database is opened again."""
        self._db.execute(
            "INSERT INTO emulator_settings (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (_STARTUP_KEY_SETTING, raw_key),
        )

    def find_by_hash(self, hashed_key: str) -> KeyRecord | None:
        """Return the key whose secret hashes to ``hashed_key``, or None."""
        row = self._db.query_one("SELECT * FROM dev_api_keys WHERE hashed_key = ?", (hashed_key,))
        return None if row is None else KeyRecord.from_row(row)

    def get(self, key_id: str) -> KeyRecord | None:
        """Return the key with this id, or None."""
        row = self._db.query_one("SELECT * FROM dev_api_keys WHERE id = ?", (key_id,))
        return None if row is None else KeyRecord.from_row(row)

    def list_all(self) -> list[KeyRecord]:
        """Return every key, newest first (ties by id)."""
        rows = self._db.query("SELECT * FROM dev_api_keys ORDER BY created_at DESC, id ASC")
        return [KeyRecord.from_row(row) for row in rows]

    def touch(self, key_id: str, now: datetime) -> None:
        """Record that the key was just used."""
        sql = "UPDATE dev_api_keys SET last_used_at = ? WHERE id = ?"
        self._db.execute(sql, (to_db(now), key_id))

    def delete(self, key_id: str) -> None:
        """Revoke a key; an unknown id is silently ignored (as upstream)."""
        self._db.execute("DELETE FROM dev_api_keys WHERE id = ?", (key_id,))

    def rotate(self, key_id: str) -> tuple[str, KeyRecord] | None:
        """Give the key a new secret (the old one stops working at once).

        Returns ``(raw_key, record)`` or None when there is no such key. Name, scopes and
        ``created_at`` are kept.
        """
        record = self.get(key_id)
        if record is None:
            return None
        raw = new_dev_key()
        hashed = hash_dev_key(raw)
        assert hashed is not None  # new_dev_key always carries the prefix
        rotated = KeyRecord(
            id=record.id,
            name=record.name,
            hashed_key=hashed,
            key_prefix=dev_key_display_prefix(raw),
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            scopes=record.scopes,
        )
        self._db.upsert("dev_api_keys", _values(rotated))
        return raw, rotated
