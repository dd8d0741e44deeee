"""The real APScheduler timetable behind the daemon: jittered interval triggers, and runs
missed while the machine slept collapse into one."""

from __future__ import annotations

import threading
from datetime import timedelta

from omisync.daemon.schedule import Schedule, jitter_for


def test_each_job_has_a_jittered_interval_trigger() -> None:
    schedule = Schedule(lambda name: None)
    schedule.start()
    try:
        schedule.apply({"fast": timedelta(seconds=30), "slow": timedelta(hours=2)})
        for name, interval in (("fast", timedelta(seconds=30)), ("slow", timedelta(hours=2))):
            trigger = schedule.trigger(name)
            assert trigger is not None
            assert trigger.interval == interval
            assert trigger.jitter == jitter_for(interval) > 0
        assert schedule.trigger("slow").jitter == 60  # type: ignore[union-attr]
        assert schedule.trigger("missing") is None
    finally:
        schedule.shutdown()


def test_ten_missed_runs_coalesce_into_one() -> None:
    calls: list[str] = []
    first = threading.Event()

    def cycle(name: str) -> None:
        calls.append(name)
        first.set()

    schedule = Schedule(cycle)
    schedule.start()
    try:
        schedule.apply({"vault": timedelta(hours=1)})  # a new connector runs at once
        assert first.wait(10)
        # As after ten hours of suspend: the next run was due ten intervals ago.
        missed = schedule.defer("vault", timedelta(hours=-10))
        assert missed is not None
        while schedule.next_run("vault") == missed:  # until the scheduler has taken it
            threading.Event().wait(0.01)
    finally:
        schedule.shutdown()  # waits for every run handed to the worker
    assert calls == ["vault", "vault"]
