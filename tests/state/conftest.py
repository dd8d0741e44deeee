"""Fixtures for the state DB tests: a fresh DB file under a not-yet-existing folder, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omisync.state import StateDB


class SteppingClock:
    """A clock that starts at a fixed moment and advances ``step`` on every reading."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.current = start
        self.step = step

    def __call__(self) -> datetime:
        moment = self.current
        self.current += self.step
        return moment


@pytest.fixture
def clock() -> SteppingClock:
    """Starts 2026-01-02 03:04:05 UTC and advances one second per reading."""
    return SteppingClock(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), timedelta(seconds=1))


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where the state DB goes: its folder does not exist yet."""
    return tmp_path / "xdg-state" / "omisync" / "state.db"


@pytest.fixture
def state(state_path: Path, clock: SteppingClock) -> Iterator[StateDB]:
    """A freshly created state DB file, closed after the test."""
    with StateDB.open(state_path, clock=clock) as opened:
        yield opened
