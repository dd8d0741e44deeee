"""The state DB schema, as an ordered list of named migrations (sqlite-utils ``Migrations``).

Each migration is a function of the :class:`sqlite_utils.Database`, registered in order with
``@MIGRATIONS()``. The ``migrations`` table records which ones ran, so applying the list twice is
a no-op. Never edit or rename a migration that has shipped: add a new one at the end.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from omisync.state.errors import StateSchemaError

MIGRATION_SET = "omisync"


class _StateMigrations(Migrations):
    """sqlite-utils migrations recorded in a table named ``migrations``."""

    migrations_table = "migrations"

    def names(self) -> list[str]:
        """The registered migration names, in the order they apply."""
        return [migration.name for migration in self._migrations]


MIGRATIONS = _StateMigrations(MIGRATION_SET)


@MIGRATIONS()
def m001_create_runs(db: Database) -> None:
    """One row per run (``connector`` NULL for a whole run), with its outcome and counts."""
    db.execute(
        """
        CREATE TABLE runs (
            run_id      INTEGER PRIMARY KEY AUTOINCREMENT,
            connector   TEXT,
            pid         INTEGER NOT NULL,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            outcome     TEXT,
            counts      TEXT,
            errors      TEXT,
            duration_s  REAL
        )
        """
    )
    db.execute("CREATE INDEX runs_by_connector ON runs (connector, run_id)")


@MIGRATIONS()
def m002_create_links(db: Database) -> None:
    """One row per :class:`omisync.sync.links.Link`; an item has at most one link per kind."""
    db.execute(
        """
        CREATE TABLE links (
            link_id    TEXT PRIMARY KEY NOT NULL,
            connector  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            omi_id     TEXT,
            peer_id    TEXT,
            omi_base   TEXT NOT NULL,
            omi_hash   TEXT NOT NULL,
            peer_base  TEXT NOT NULL,
            peer_hash  TEXT NOT NULL,
            state      TEXT NOT NULL,
            conflict   TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX links_by_connector_kind ON links (connector, kind)")
    db.execute(
        "CREATE UNIQUE INDEX links_unique_omi_id ON links (connector, kind, omi_id) "
        "WHERE omi_id IS NOT NULL"
    )
    db.execute(
        "CREATE UNIQUE INDEX links_unique_peer_id ON links (connector, kind, peer_id) "
        "WHERE peer_id IS NOT NULL"
    )


@MIGRATIONS()
def m003_create_journal(db: Database) -> None:
    """Pending remote writes, committed before the remote call (crash-safe creates)."""
    db.execute(
        """
        CREATE TABLE journal (
            entry_id   INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id     INTEGER REFERENCES runs (run_id) ON DELETE SET NULL,
            connector  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            side       TEXT NOT NULL CHECK (side IN ('omi', 'peer')),
            op         TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
            link_id    TEXT,
            item_id    TEXT,
            payload    TEXT NOT NULL,
            stamp      TEXT,
            status     TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'done', 'failed')),
            attempts   INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX journal_by_connector_status ON journal (connector, status)")


@MIGRATIONS()
def m004_create_cursors(db: Database) -> None:
    """Named values (JSON) per connector and kind, e.g. a sync token."""
    db.execute(
        """
        CREATE TABLE cursors (
            connector  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            name       TEXT NOT NULL,
            value      TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (connector, kind, name)
        )
        """
    )


@MIGRATIONS()
def m005_create_refusals(db: Database) -> None:
    """Items omisync refuses to sync, with the reason, until the refusal is resolved."""
    db.execute(
        """
        CREATE TABLE refusals (
            connector  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            side       TEXT NOT NULL CHECK (side IN ('omi', 'peer')),
            item_id    TEXT NOT NULL,
            reason     TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen  TEXT NOT NULL,
            PRIMARY KEY (connector, kind, side, item_id)
        )
        """
    )


@MIGRATIONS()
def m006_create_rate_usage(db: Database) -> None:
    """The rate limiter's persisted usage (its SqliteUsageStore owns the rows; exact schema)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS rate_usage (service TEXT, bucket TEXT, "
        "window_start INTEGER, count INTEGER, PRIMARY KEY(service, bucket, window_start))"
    )


@MIGRATIONS()
def m007_add_refusal_places(db: Database) -> None:
    """Where the user finds a refused item (e.g. a vault path), when its side said."""
    db.execute("ALTER TABLE refusals ADD COLUMN place TEXT")


@MIGRATIONS()
def m008_add_run_problems(db: Database) -> None:
    """What a run's listings or writes could not use or do (JSON list of messages)."""
    db.execute("ALTER TABLE runs ADD COLUMN problems TEXT")


#: Tables created by :data:`MIGRATIONS`, plus sqlite-utils' bookkeeping.
STATE_TABLES = frozenset(
    {"migrations", "runs", "links", "journal", "cursors", "refusals", "rate_usage"}
)


def migrate(db: Database, path: Path | None) -> None:
    """Apply every pending migration to ``db``; a no-op when all have run.

    Call inside a write transaction so two processes opening a new DB cannot race. Raises
    :class:`StateSchemaError` when the DB records migrations this omisync does not know (it
    was written by a newer version) or when it is some other program's database.
    """
    where = str(path) if path is not None else "the in-memory state DB"
    applied = [migration.name for migration in MIGRATIONS.applied(db)]
    known = set(MIGRATIONS.names())
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StateSchemaError(
            f"The state DB {where} was written by a newer omisync (it has migrations this "
            f"version does not know: {', '.join(unknown)}). Fix: upgrade omisync, or move "
            "the file aside to start a fresh state with this version.",
            path=path,
        )
    if not applied:
        foreign = sorted(set(db.table_names()) - STATE_TABLES)
        if foreign:
            raise StateSchemaError(
                f"{where} is not an omisync state DB (it holds other tables: "
                f"{', '.join(foreign[:5])}). Fix: point omisync at another state path "
                "(`state.path` in the config).",
                path=path,
            )
    MIGRATIONS.apply(db)
