"""UsageStore implementations: same behaviour in memory and in SQLite; SQLite survives reopening."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from omisync.ratelimit import (
    Limit,
    MemoryUsageStore,
    RateBudgetExhausted,
    RateLimiter,
    RateLimits,
    SqliteUsageStore,
    UsageRecord,
    UsageStore,
)
from omisync.ratelimit.testing import ManualClock

StoreFactory = Callable[[Path], UsageStore]

FACTORIES: dict[str, StoreFactory] = {
    "memory": lambda _: MemoryUsageStore(),
    "sqlite-path": lambda tmp: SqliteUsageStore(tmp / "usage.db"),
    "sqlite-database": lambda tmp: SqliteUsageStore(sqlite_utils.Database(tmp / "state.db")),
}


@pytest.fixture(params=sorted(FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> UsageStore:
    return FACTORIES[request.param](tmp_path)


def test_add_accumulates_and_load_filters_by_service_and_time(store: UsageStore) -> None:
    assert isinstance(store, UsageStore)
    store.add("omi", "per_day", 1000, 1)
    store.add("omi", "per_day", 1000, 2)
    store.add("omi", "per_minute", 2000, 1)
    store.add("todoist", "per_day", 1000, 5)
    assert store.load("omi", 0) == [
        UsageRecord("per_day", 1000, 3),
        UsageRecord("per_minute", 2000, 1),
    ]
    assert store.load("omi", 1500) == [UsageRecord("per_minute", 2000, 1)]


def test_prune_forgets_only_older_slots_of_one_bucket(store: UsageStore) -> None:
    for start in (100, 200, 300):
        store.add("omi", "a", start, 1)
        store.add("omi", "b", start, 1)
    store.prune("omi", "a", 250)
    assert store.load("omi", 0) == [
        UsageRecord("b", 100, 1),
        UsageRecord("b", 200, 1),
        UsageRecord("a", 300, 1),
        UsageRecord("b", 300, 1),
    ]


def test_sqlite_table_has_the_shared_schema(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "state.db")
    SqliteUsageStore(db)
    assert db["rate_usage"].columns_dict == {  # type: ignore[union-attr]
        "service": str,
        "bucket": str,
        "window_start": int,
        "count": int,
    }
    assert db["rate_usage"].pks == ["service", "bucket", "window_start"]  # type: ignore[union-attr]


def test_daily_budget_survives_a_process_restart_in_sqlite(tmp_path: Path) -> None:
    clock = ManualClock()
    limits = RateLimits(shared={"per_day": Limit(3, 86_400)})

    def limiter() -> RateLimiter:
        store = SqliteUsageStore(tmp_path / "state.db")
        return RateLimiter(
            "omi", limits, store=store, clock=clock.now, sleep=clock.sleep, max_wait=60
        )

    first = limiter()
    for _ in range(3):
        with first.acquire():
            clock.advance(10)
    clock.advance(7200)
    with pytest.raises(RateBudgetExhausted, match="'per_day'"):
        limiter().acquire()


def test_writes_join_a_transaction_the_state_db_has_open(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "state.db")
    store = SqliteUsageStore(db)
    db.conn.execute("BEGIN")
    store.add("omi", "per_day", 1, 1)
    db.conn.execute("ROLLBACK")
    assert store.load("omi", 0) == []
    store.add("omi", "per_day", 1, 1)
    other = SqliteUsageStore(tmp_path / "state.db")
    assert other.load("omi", 0) == [UsageRecord("per_day", 1, 1)]
