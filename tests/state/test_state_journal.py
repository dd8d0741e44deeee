"""The write journal: intents are durable before the remote write; entries settle once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omisync.state import (
    Intent,
    JournalOp,
    JournalStatus,
    SideName,
    StateDB,
    StateUsageError,
    UnknownRecordError,
)
from omisync.state.journal import MAX_ERROR_CHARS
from omisync.sync.links import Kind, Link


def create_intent(text: str = "Buy milk", connector: str = "todoist") -> Intent:
    return Intent(
        connector=connector,
        kind=Kind.TASK,
        side=SideName.OMI,
        op=JournalOp.CREATE,
        payload={"description": text, "due_at": None, "tags": ["ünïcode ✓"]},
        link_id=f"link-{text}",
        stamp=f"omisync:link-{text}",
    )


def test_intend_returns_ids_in_order_and_stores_every_field(state: StateDB) -> None:
    run_id = state.runs.start("todoist")
    ids = state.journal.intend([create_intent("a"), create_intent("b")], run_id=run_id)

    assert len(ids) == 2
    assert ids[0] < ids[1]
    entry = state.journal.get(ids[1])
    assert (entry.entry_id, entry.run_id, entry.connector, entry.kind) == (
        ids[1],
        run_id,
        "todoist",
        "task",
    )
    assert (entry.side, entry.op, entry.link_id, entry.item_id) == (
        SideName.OMI,
        JournalOp.CREATE,
        "link-b",
        None,
    )
    assert entry.payload == {"description": "b", "due_at": None, "tags": ["ünïcode ✓"]}
    assert entry.stamp == "omisync:link-b"
    assert (entry.status, entry.attempts, entry.last_error) == (JournalStatus.PENDING, 0, None)
    assert entry.created_at == entry.updated_at
    assert entry.created_at.tzinfo is not None


def test_intents_are_visible_to_another_connection_when_intend_returns(
    state: StateDB, state_path: Path
) -> None:
    [entry_id] = state.journal.intend([create_intent()])

    with StateDB.open(state_path) as other:
        assert [entry.entry_id for entry in other.journal.pending()] == [entry_id]


def test_an_intent_survives_a_process_killed_right_after_intend(state_path: Path) -> None:
    script = (
        "import os, sys\n"
        "from omisync.state import Intent, JournalOp, SideName, StateDB\n"
        "state = StateDB.open(sys.argv[1])\n"
        "state.journal.intend([Intent('todoist', 'task', SideName.PEER, JournalOp.CREATE,\n"
        "                             {'content': 'x'}, link_id='L', stamp='s-1')])\n"
        "os._exit(9)  # die before any remote call or close\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(state_path)], check=False)
    assert result.returncode == 9

    with StateDB.open(state_path) as state:
        [entry] = state.journal.pending("todoist")
    assert (entry.stamp, entry.payload, entry.side) == ("s-1", {"content": "x"}, SideName.PEER)


def test_intend_inside_a_transaction_is_refused(state: StateDB) -> None:
    with pytest.raises(StateUsageError, match="cannot run inside"), state.transaction():
        state.journal.intend([create_intent()])
    assert state.journal.entries() == []


def test_intend_with_an_unknown_run_is_refused(state: StateDB) -> None:
    with pytest.raises(UnknownRecordError, match="no run 404"):
        state.journal.intend([create_intent()], run_id=404)
    assert state.journal.entries() == []


def test_done_entries_leave_pending_and_keep_the_created_id(state: StateDB) -> None:
    first, second = state.journal.intend([create_intent("a"), create_intent("b")])

    state.journal.mark_done(first, item_id="omi-123")

    assert [entry.entry_id for entry in state.journal.pending()] == [second]
    done = state.journal.get(first)
    assert (done.status, done.item_id, done.attempts) == (JournalStatus.DONE, "omi-123", 0)
    assert done.updated_at > done.created_at


def test_mark_done_commits_with_the_link_or_not_at_all(state: StateDB) -> None:
    [entry_id] = state.journal.intend([create_intent()])
    link = Link("link-Buy milk", "todoist", Kind.TASK, "omi-1", None, {}, "h", {}, "h")

    with pytest.raises(RuntimeError), state.transaction():
        state.links.save([link])
        state.journal.mark_done(entry_id, item_id="omi-1")
        raise RuntimeError("crash before commit")
    assert state.journal.get(entry_id).status == JournalStatus.PENDING
    assert state.links.load("todoist", Kind.TASK) == {}

    with state.transaction():
        state.links.save([link])
        state.journal.mark_done(entry_id, item_id="omi-1")
    assert state.journal.get(entry_id).status == JournalStatus.DONE
    assert list(state.links.load("todoist", Kind.TASK)) == ["link-Buy milk"]


def test_failures_count_attempts_and_keep_the_last_error(state: StateDB) -> None:
    [entry_id] = state.journal.intend([create_intent()])

    state.journal.record_attempt(entry_id, "timed out after 30 s")
    entry = state.journal.get(entry_id)
    assert (entry.status, entry.attempts, entry.last_error) == (
        JournalStatus.PENDING,
        1,
        "timed out after 30 s",
    )

    state.journal.mark_failed(entry_id, "x" * (MAX_ERROR_CHARS + 50))
    entry = state.journal.get(entry_id)
    assert (entry.status, entry.attempts) == (JournalStatus.FAILED, 2)
    assert entry.last_error == "x" * MAX_ERROR_CHARS
    assert state.journal.pending() == []
    assert state.journal.entries(status=JournalStatus.FAILED) == [entry]


def test_a_failed_entry_found_after_all_can_be_marked_done(state: StateDB) -> None:
    [entry_id] = state.journal.intend([create_intent()])
    state.journal.mark_failed(entry_id, "503")
    state.journal.mark_done(entry_id, item_id="found-by-stamp")
    assert state.journal.get(entry_id).status == JournalStatus.DONE


def test_a_done_entry_cannot_fail_or_be_retried(state: StateDB) -> None:
    [entry_id] = state.journal.intend([create_intent()])
    state.journal.mark_done(entry_id)

    with pytest.raises(StateUsageError, match=f"entry {entry_id} is done"):
        state.journal.mark_failed(entry_id, "late error")
    with pytest.raises(StateUsageError, match="cannot record an attempt"):
        state.journal.record_attempt(entry_id, "late error")
    assert state.journal.get(entry_id).attempts == 0


def test_settling_an_unknown_entry_is_reported(state: StateDB) -> None:
    with pytest.raises(UnknownRecordError, match="no journal entry 77"):
        state.journal.mark_done(77)
    with pytest.raises(UnknownRecordError):
        state.journal.mark_failed(77, "e")


def test_pending_filters_by_connector_oldest_first(state: StateDB) -> None:
    a, b, c = state.journal.intend(
        [create_intent("a"), create_intent("b", "notion"), create_intent("c")]
    )
    assert [entry.entry_id for entry in state.journal.pending("todoist")] == [a, c]
    assert [entry.entry_id for entry in state.journal.pending("notion")] == [b]
    assert [entry.entry_id for entry in state.journal.pending()] == [a, b, c]


def test_prune_drops_old_settled_entries_but_never_pending_ones(state: StateDB) -> None:
    done, failed, pending = state.journal.intend(
        [create_intent("a"), create_intent("b"), create_intent("c")]
    )
    state.journal.mark_done(done)
    state.journal.mark_failed(failed, "no")

    assert state.journal.prune(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert state.journal.prune(state.now()) == 2
    assert [entry.entry_id for entry in state.journal.entries()] == [pending]
