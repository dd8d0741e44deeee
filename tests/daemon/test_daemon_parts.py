"""The daemon's parts: backoff, jitter, the watchdog's heartbeat and the status line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omisync.daemon import Backoff
from omisync.daemon.board import StatusBoard
from omisync.daemon.cycle import CycleOutcome, CycleResult
from omisync.daemon.heartbeat import Heartbeat
from omisync.daemon.schedule import jitter_for

intervals = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2))
caps = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=1))


def test_backoff_doubles_from_the_interval_up_to_the_cap() -> None:
    backoff = Backoff(cap=timedelta(minutes=30))
    waits = [backoff.delay(timedelta(minutes=5), failures) for failures in range(5)]
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 30, 30)]


@given(intervals, caps, st.integers(min_value=0, max_value=10_000))
def test_backoff_never_shrinks_never_passes_its_limit(
    interval: timedelta, cap: timedelta, failures: int
) -> None:
    backoff = Backoff(cap=cap)
    wait = backoff.delay(interval, failures)
    assert interval <= wait <= max(cap, interval)
    assert backoff.delay(interval, failures + 1) >= wait


@given(intervals)
def test_jitter_is_a_tenth_of_the_interval_at_most_a_minute(interval: timedelta) -> None:
    assert 0 < jitter_for(interval) <= min(interval.total_seconds() / 10, 60)


def test_heartbeat_is_healthy_while_idle_or_beating_and_not_when_a_cycle_is_stuck() -> None:
    now = [0.0]
    heartbeat = Heartbeat(stall_limit=60, clock=lambda: now[0])
    now[0] = 1000.0
    assert heartbeat.healthy()  # idle for long: nothing to be stuck in
    heartbeat.busy(True)
    now[0] += 59
    assert heartbeat.healthy()
    heartbeat.beat()  # a committed batch
    now[0] += 59
    assert heartbeat.healthy()
    now[0] += 2
    assert not heartbeat.healthy()  # 61 s without progress inside a cycle
    heartbeat.busy(False)
    assert heartbeat.healthy()


def _result(name: str, outcome: CycleOutcome, at: datetime, message: str = "") -> CycleResult:
    return CycleResult(name, outcome, at, message)


def test_status_line_counts_failures_in_a_row_and_scrubs_secrets() -> None:
    board = StatusBoard(scrub=lambda text: text.replace("s3cret", "[redacted]"))
    board.track(["vault", "todo"])
    at = datetime(2026, 1, 5, 12, 3, 0, tzinfo=UTC)
    local = at.astimezone().strftime("%H:%M:%S")
    assert board.line() == "vault: not synced yet; todo: not synced yet"

    assert board.record(_result("vault", CycleOutcome.SYNCED, at)) == 0
    assert board.record(_result("todo", CycleOutcome.FAILED, at, "key s3cret refused")) == 1
    assert board.record(_result("todo", CycleOutcome.SKIPPED, at)) == 1  # no verdict
    assert board.record(_result("todo", CycleOutcome.FAILED, at)) == 2
    board.set_next_run("vault", at)
    board.set_next_run("todo", at)
    assert board.line() == (
        f"vault: synced {local}, next {local}; todo: failed {local} (2 in a row), retry {local}"
    )
    board.set_activity("vault", "waiting 12 s for the omi rate limit (s3cret)")
    assert board.line().startswith("vault: waiting 12 s for the omi rate limit ([redacted]);")
    assert board.record(_result("todo", CycleOutcome.PARTIAL, at)) == 0

    board.track(["todo"])  # a reload dropped vault; todo keeps its state
    assert board.line() == f"todo: partial {local}, next {local}"
