"""Run records: started, finished with counts and errors, the latest per connector."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from omisync.state import RunOutcome, StateDB, StateUsageError, UnknownRecordError


def test_a_started_run_is_unfinished_until_finished(state: StateDB) -> None:
    run_id = state.runs.start()

    running = state.runs.last()
    assert running is not None
    assert (running.run_id, running.connector, running.pid) == (run_id, None, os.getpid())
    assert (running.finished_at, running.outcome, running.duration_s) == (None, None, None)
    assert (running.counts, running.errors) == ({}, [])


def test_finish_records_outcome_counts_errors_and_duration(state: StateDB) -> None:
    run_id = state.runs.start("todoist")  # clock reads: start, then finish one second later

    finished = state.runs.finish(
        run_id,
        RunOutcome.PARTIAL,
        counts={"created": 3, "updated": 1, "refused": 1},
        errors=["todoist: task 42: 400 Bad Request", {"item": "7", "error": "locked"}],
    )

    assert finished == state.runs.get(run_id)
    assert finished.outcome == RunOutcome.PARTIAL
    assert finished.counts == {"created": 3, "updated": 1, "refused": 1}
    assert finished.errors == [
        "todoist: task 42: 400 Bad Request",
        {"item": "7", "error": "locked"},
    ]
    assert finished.finished_at == finished.started_at + timedelta(seconds=1)
    assert finished.duration_s == 1.0


def test_a_run_finishes_once(state: StateDB) -> None:
    run_id = state.runs.start()
    state.runs.finish(run_id, RunOutcome.OK)
    with pytest.raises(StateUsageError, match=f"Run {run_id} already finished"):
        state.runs.finish(run_id, RunOutcome.FAILED)
    assert state.runs.get(run_id).outcome == RunOutcome.OK


def test_unknown_runs_are_reported(state: StateDB) -> None:
    with pytest.raises(UnknownRecordError, match="no run 9"):
        state.runs.finish(9, RunOutcome.OK)
    with pytest.raises(UnknownRecordError):
        state.runs.get(9)


def test_last_is_per_connector_and_whole_runs_are_separate(state: StateDB) -> None:
    whole = state.runs.start()
    todoist = state.runs.start("todoist")
    notion = state.runs.start("notion")
    later_todoist = state.runs.start("todoist")

    def last_id(connector: str | None) -> int | None:
        record = state.runs.last(connector)
        return None if record is None else record.run_id

    assert [last_id(None), last_id("todoist"), last_id("notion")] == [whole, later_todoist, notion]
    assert state.runs.last("markdown") is None
    assert [run.run_id for run in state.runs.recent(3)] == [later_todoist, notion, todoist]


def test_abandon_unfinished_closes_only_runs_that_never_finished(state: StateDB) -> None:
    crashed = state.runs.start("todoist")
    done = state.runs.start("notion")
    state.runs.finish(done, RunOutcome.OK)

    assert state.runs.abandon_unfinished() == 1

    assert state.runs.get(crashed).outcome == RunOutcome.ABANDONED
    assert state.runs.get(crashed).finished_at is not None
    assert state.runs.get(done).outcome == RunOutcome.OK
    assert state.runs.abandon_unfinished() == 0
