"""The runner against a real (in-memory) state DB and honest in-memory sides."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from engine_fakes import CONNECTOR, Crash, MemorySide, note, omi_like_hold, task

from omisync.cli.render import summarise
from omisync.state import JournalStatus, RunOutcome, StateDB
from omisync.sync import (
    DeleteBudget,
    DeletePolicy,
    Direction,
    KindOptions,
    LinkState,
    MaxDelete,
    Role,
    SyncOptions,
    TransientError,
)
from omisync.sync.links import Kind
from omisync.sync.missing import UNSURE_SAMPLE
from omisync.sync.runner import Runner


@pytest.fixture
def state() -> Iterator[StateDB]:
    with StateDB.in_memory() as db:
        yield db


@pytest.fixture
def omi() -> MemorySide:
    return MemorySide(
        "omi", "o", max_text_length=500, batch=2, hold=omi_like_hold, stores_stamps=False
    )


@pytest.fixture
def peer() -> MemorySide:
    return MemorySide(CONNECTOR, "p", batch=3)


def runner(
    state: StateDB, omi: MemorySide, peer: MemorySide, crash_at: str | None = None, **kind: object
) -> Runner:
    options = SyncOptions(
        tasks=KindOptions(**kind),  # type: ignore[arg-type]
        notes=KindOptions(**kind),  # type: ignore[arg-type]
        timezone="Europe/Berlin",
    )

    def checkpoint(step: str) -> None:
        if step == crash_at:
            raise Crash(step)

    return Runner(state, omi, peer, options, connector=CONNECTOR, checkpoint=checkpoint)


def writes(*sides: MemorySide) -> int:
    return sum(side.write_calls for side in sides)


def test_first_sync_copies_both_ways_and_a_second_sync_writes_nothing(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    omi.user_put(Kind.TASK, None, task("From Omi", due="2025-03-01"))
    peer.user_put(Kind.TASK, None, task("From the vault", due="2025-03-01T09:30:00"))
    peer.user_put(Kind.NOTE, None, note("Likes tea", tags=["food"]))
    report = runner(state, omi, peer).run()
    assert report.errors == []
    assert [r.done["created_omi"] + r.done["created_peer"] for r in report.kinds] == [2, 1]
    assert sorted(p["text"] for p in peer.items[Kind.TASK].values()) == [
        "From Omi",
        "From the vault",
    ]
    # Omi holds the floating 09:30 as a UTC instant; the vault keeps its own form.
    assert {p["due"] for p in omi.items[Kind.TASK].values()} == {
        "2025-03-01",
        "2025-03-01T08:30:00Z",
    }
    assert state.runs.last(CONNECTOR).outcome is RunOutcome.OK  # type: ignore[union-attr]
    before = writes(omi, peer)
    again = runner(state, omi, peer).run()
    assert writes(omi, peer) == before and again.counts() == {}


def test_an_edit_flows_to_the_other_side_and_only_its_field_is_sent(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = peer.user_put(Kind.TASK, None, task("Call mum", due="2025-03-01"))
    runner(state, omi, peer).run()
    peer.user_put(Kind.TASK, item, task("Call mum", done=True, due="2025-03-01"))
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["updated_omi"] == 1
    assert [p["done"] for p in omi.items[Kind.TASK].values()] == [True]


def test_creates_go_in_batches_of_the_side_size(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    for number in range(5):
        peer.user_put(Kind.TASK, None, task(f"Task {number}"))
    runner(state, omi, peer).run([Kind.TASK])
    assert omi.write_calls == 3  # 2 + 2 + 1
    assert len(state.links.load(CONNECTOR, Kind.TASK)) == 5


def test_one_failing_item_is_recorded_and_retried_without_stopping_the_rest(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    ids = [peer.user_put(Kind.TASK, None, task(f"Task {n}")) for n in range(3)]
    runner(state, omi, peer).run([Kind.TASK])
    links = state.links.load(CONNECTOR, Kind.TASK)
    refused = next(link.omi_id for link in links.values() if link.peer_id == ids[0])
    omi.fail_ids.add(refused)  # type: ignore[arg-type]
    for item_id in ids:
        peer.user_put(Kind.TASK, item_id, {**peer.items[Kind.TASK][item_id], "done": True})
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["updated_omi"] == 2 and report.kinds[0].done["failed"] == 1
    assert "rejected (injected)" in report.errors[0]
    assert state.runs.last(CONNECTOR).outcome is RunOutcome.PARTIAL  # type: ignore[union-attr]
    omi.fail_ids.clear()
    retried = runner(state, omi, peer).run([Kind.TASK])
    assert retried.kinds[0].done["updated_omi"] == 1 and retried.errors == []
    assert all(p["done"] for p in omi.items[Kind.TASK].values())


@pytest.mark.parametrize("stores_stamps", [True, False], ids=["by-stamp", "by-content"])
def test_a_create_interrupted_after_the_remote_write_is_linked_not_repeated(
    state: StateDB, peer: MemorySide, stores_stamps: bool
) -> None:
    omi = MemorySide("omi", "o", batch=2, stores_stamps=stores_stamps)
    peer.user_put(Kind.TASK, None, task("Buy milk"))
    with pytest.raises(Crash):
        runner(state, omi, peer, crash_at="committing").run([Kind.TASK])
    assert len(omi.items[Kind.TASK]) == 1 and state.links.load(CONNECTOR, Kind.TASK) == {}
    assert state.runs.last(CONNECTOR).outcome is RunOutcome.INTERRUPTED  # type: ignore[union-attr]
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["reconciled"] == 1 and omi.write_calls == 1
    assert len(omi.items[Kind.TASK]) == 1 and len(state.links.load(CONNECTOR, Kind.TASK)) == 1
    assert [e.status for e in state.journal.entries(CONNECTOR)] == [JournalStatus.DONE]


def test_a_dry_run_says_that_it_leaves_an_interrupted_runs_writes_unsettled(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    peer.user_put(Kind.TASK, None, task("Buy milk"))
    with pytest.raises(Crash):
        runner(state, omi, peer, crash_at="intended").run([Kind.TASK])

    dry = runner(state, omi, peer).run([Kind.TASK, Kind.NOTE], dry_run=True)

    tasks, notes = dry.kinds
    assert tasks.plan is not None and notes.plan is not None
    assert len(tasks.plan.creates) == 1
    assert "1 write(s) of an interrupted run are not settled in a dry run" in dry.describe()
    assert "some creates above may be links instead" in tasks.plan.notices[-1]
    assert notes.plan.notices == ()  # nothing of notes is pending
    assert [e.status for e in state.journal.entries(CONNECTOR)] == [JournalStatus.PENDING]
    assert runner(state, omi, peer).run([Kind.TASK]).kinds[0].done["reconciled"] == 1


def test_an_interrupted_create_is_found_past_a_linked_item_with_the_same_text(
    state: StateDB, peer: MemorySide
) -> None:
    omi = MemorySide("omi", "o", batch=2, stores_stamps=False)  # finds creates by content
    peer.user_put(Kind.TASK, None, task("Buy milk"))
    runner(state, omi, peer).run([Kind.TASK])
    peer.user_put(Kind.TASK, None, task("Buy milk"))  # a second, separate errand
    with pytest.raises(Crash):
        runner(state, omi, peer, crash_at="committing").run([Kind.TASK])
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["reconciled"] == 1
    assert len(omi.items[Kind.TASK]) == 2 and len(state.links.load(CONNECTOR, Kind.TASK)) == 2
    linked_omi = {link.omi_id for link in state.links.load(CONNECTOR, Kind.TASK).values()}
    assert linked_omi == set(omi.items[Kind.TASK])
    statuses = [e.status for e in state.journal.entries(CONNECTOR)]
    assert statuses == [JournalStatus.DONE, JournalStatus.DONE]  # claimed, not re-planned


def test_a_create_interrupted_before_the_remote_write_is_made_once_next_run(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    peer.user_put(Kind.TASK, None, task("Buy milk"))
    with pytest.raises(Crash):
        runner(state, omi, peer, crash_at="intended").run([Kind.TASK])
    assert omi.items[Kind.TASK] == {}
    runner(state, omi, peer).run([Kind.TASK])
    assert len(omi.items[Kind.TASK]) == 1
    statuses = [e.status for e in state.journal.entries(CONNECTOR)]
    assert statuses == [JournalStatus.FAILED, JournalStatus.DONE]


def test_a_whole_failed_call_keeps_its_entries_pending_for_reconciliation(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    peer.user_put(Kind.TASK, None, task("Buy milk"))
    omi.call_error = TransientError("503 from the server", side="omi")
    report = runner(state, omi, peer).run([Kind.TASK])
    assert "503 from the server" in report.errors[0]
    assert [e.status for e in state.journal.pending(CONNECTOR)] == [JournalStatus.PENDING]
    omi.call_error = None
    runner(state, omi, peer).run([Kind.TASK])
    assert len(omi.items[Kind.TASK]) == 1 and state.journal.pending(CONNECTOR) == []


def test_a_failed_listing_writes_nothing_and_fails_the_run(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    omi.user_put(Kind.TASK, None, task("Buy milk"))
    peer.listing = "fail"
    report = runner(state, omi, peer).run([Kind.TASK])
    assert writes(omi, peer) == 0 and "listing failed" in report.errors[0]
    assert state.runs.last(CONNECTOR).outcome is RunOutcome.FAILED  # type: ignore[union-attr]


def test_a_locked_item_missing_from_the_listing_is_not_deleted(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = omi.user_put(Kind.TASK, None, task("Secret"))
    runner(state, omi, peer, on_delete=DeletePolicy.DELETE).run([Kind.TASK])
    omi.locked.add(item)
    report = runner(state, omi, peer, on_delete=DeletePolicy.DELETE).run([Kind.TASK])
    assert len(peer.items[Kind.TASK]) == 1 and report.kinds[0].writes == 0


def test_a_verified_deletion_completes_the_peer_item_and_stays_completed(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = omi.user_put(Kind.TASK, None, task("Old"))
    runner(state, omi, peer).run([Kind.TASK])
    omi.user_delete(Kind.TASK, item)
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["completed_peer"] == 1
    assert [p["done"] for p in peer.items[Kind.TASK].values()] == [True]
    (tombstone,) = state.links.load(CONNECTOR, Kind.TASK).values()
    assert tombstone.omi_id is None
    before = writes(omi, peer)
    runner(state, omi, peer).run([Kind.TASK])
    assert writes(omi, peer) == before and omi.items[Kind.TASK] == {}


def test_every_deletion_outcome_is_counted_and_said_in_the_run_output(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    """The default ``on_delete: complete``: a task deleted on one side is completed on the
    other, a note deleted in the vault is kept in Omi; each is counted once and said."""
    omi.user_put(Kind.TASK, None, task("Old task"))
    peer.user_put(Kind.NOTE, None, note("Likes tea"))
    runner(state, omi, peer).run()
    (peer_task,) = peer.items[Kind.TASK]
    (peer_note,) = peer.items[Kind.NOTE]
    peer.user_delete(Kind.TASK, peer_task)
    peer.user_delete(Kind.NOTE, peer_note)
    report = runner(state, omi, peer).run()
    tasks, notes = report.kinds
    assert tasks.done == Counter(completed_omi=1) and notes.done == Counter(kept_omi=1)
    assert summarise(report) == [
        "vault · tasks: 1 completed in Omi (deleted in vault; on_delete: complete)",
        "vault · notes: 1 kept in Omi (deleted in vault; on_delete: complete keeps notes and "
        "done tasks)",
    ]
    assert state.runs.last(CONNECTOR).counts == {  # type: ignore[union-attr]
        "note.kept_omi": 1,
        "task.completed_omi": 1,
    }
    again = runner(state, omi, peer).run()
    assert [kind.done.total() for kind in again.kinds] == [0, 0]
    assert summarise(again) == ["vault · tasks: in sync", "vault · notes: in sync"]


def test_problems_of_listings_and_writes_are_reported_once_and_kept_in_the_run_record(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    omi.user_put(Kind.TASK, None, task("Buy milk"))
    busy = "Journal/a.md is being edited (changed in the last 5s); read next cycle"
    twice = "Journal/b.md:3: anchor ^omi-x is also on Tasks.md:1; this copy becomes a new task"
    unadvanced = "Tasks.md:1: the recurrence 'every full moon' is not one omisync can advance"
    peer.problems = [busy, twice, busy]
    peer.problems_of_writes = [unadvanced, busy]
    report = runner(state, omi, peer).run([Kind.TASK])
    (tasks,) = report.kinds
    assert tasks.problems == [busy, twice, unadvanced]
    assert report.outcome is RunOutcome.OK  # problems are not failures
    assert summarise(report)[1:] == [f"vault · tasks: {p}" for p in tasks.problems]
    record = state.runs.last(CONNECTOR)
    assert record is not None and record.problems == [f"tasks: {p}" for p in tasks.problems]
    assert f"problem: tasks: {busy}" in runner(state, omi, peer).run(dry_run=True).describe()


def test_a_run_with_many_problems_shows_ten_and_says_how_many_more(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    peer.problems = [
        f"Notes/{number}.md: cannot be read (Permission denied)" for number in range(13)
    ]
    lines = summarise(runner(state, omi, peer).run([Kind.NOTE]))
    assert lines[1:11] == [f"vault · notes: {p}" for p in peer.problems[:10]]
    assert lines[11:] == ["vault · notes: … and 3 more problem(s), each in the log"]


def test_a_completion_interrupted_before_commit_does_not_resurrect_the_item(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = omi.user_put(Kind.TASK, None, task("Old"))
    runner(state, omi, peer).run([Kind.TASK])
    omi.user_delete(Kind.TASK, item)
    with pytest.raises(Crash):
        runner(state, omi, peer, crash_at="committing").run([Kind.TASK])
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.kinds[0].done["reconciled"] == 1
    assert omi.items[Kind.TASK] == {} and report.kinds[0].writes == 0


def test_refusals_are_recorded_for_status_and_cleared_once_fixed(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = peer.user_put(Kind.NOTE, None, note("x" * 501))
    peer.where[item] = "Omi/Memories/Long.md"
    runner(state, omi, peer).run([Kind.NOTE])
    (refusal,) = state.refusals.all(CONNECTOR)
    assert refusal.item_id == item and "501 characters" in refusal.reason
    assert refusal.place == "Omi/Memories/Long.md"
    assert omi.items[Kind.NOTE] == {}
    peer.user_put(Kind.NOTE, item, note("short now"))
    runner(state, omi, peer).run([Kind.NOTE])
    assert state.refusals.all(CONNECTOR) == [] and len(omi.items[Kind.NOTE]) == 1


def test_max_delete_holds_back_mass_deletions_until_confirmed(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    for number in range(6):
        omi.user_put(Kind.TASK, None, task(f"Task {number}"))
    runner(state, omi, peer).run([Kind.TASK])
    omi.items[Kind.TASK].clear()
    held = runner(state, omi, peer).run([Kind.TASK])
    # 3 of 6 may go (50%); Omi is asked no further than the 4th gone item: none is deleted.
    assert peer.delete_requests == 0 and held.outcome is RunOutcome.PARTIAL
    assert held.errors == [
        "tasks: 6 linked tasks are missing from Omi's listing and at least 4 of them are "
        "deleted there, more than max_delete allows deleting in vault (3 of 6 linked items per "
        "run: count 25, 50%); the others were not checked (a request each) and none is deleted "
        "in vault. Check that those deletions were intended, then run again with "
        "--confirm-deletes (or raise max_delete in the config)"
    ]
    options = SyncOptions(max_delete=MaxDelete(count=25, percent=50), confirm_deletes=True)
    Runner(state, omi, peer, options, connector=CONNECTOR).run([Kind.TASK])
    assert peer.delete_requests == 6


def test_locked_items_beyond_max_delete_are_asked_about_a_few_times_not_each(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    ids = [omi.user_put(Kind.TASK, None, task(f"Task {number}")) for number in range(100)]
    runner(state, omi, peer).run([Kind.TASK])
    omi.locked.update(ids)  # a lapsed plan: Omi hides every item
    written = writes(omi, peer)

    report = runner(state, omi, peer).run([Kind.TASK])

    assert sum(map(len, omi.verify_calls)) == UNSURE_SAMPLE and len(omi.verify_calls) == 1
    assert writes(omi, peer) == written
    assert report.outcome is RunOutcome.PARTIAL and report.refused == 0
    (error,) = report.errors
    assert error.startswith(
        "tasks: 100 linked tasks are missing from Omi's listing, more than max_delete allows "
        "deleting in vault (25 of 100 linked items per run: count 25, 50%); of the first 10 "
        "checked, 10 locked (hidden from listings, e.g. by a lapsed paid plan), so the others "
        "were not checked (a request each) and none is taken as deleted."
    )
    assert len(state.links.load(CONNECTOR, Kind.TASK)) == 100


def test_missing_items_are_all_asked_about_when_deletions_are_confirmed_or_within_max_delete(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    ids = [omi.user_put(Kind.TASK, None, task(f"Task {number}")) for number in range(40)]
    runner(state, omi, peer).run([Kind.TASK])
    omi.locked.update(ids[:30])
    for item_id in ids[30:]:
        omi.user_delete(Kind.TASK, item_id)
    confirmed = SyncOptions(confirm_deletes=True, timezone="Europe/Berlin")

    report = Runner(state, omi, peer, confirmed, connector=CONNECTOR).run([Kind.TASK])

    assert [len(asked) for asked in omi.verify_calls] == [40]  # one call, every id
    assert report.errors == [] and report.kinds[0].done["completed_peer"] == 10
    omi.verify_calls.clear()
    omi.locked.difference_update(ids[:28])  # 2 locked are still missing: within 20 of 40
    assert runner(state, omi, peer).run([Kind.TASK]).errors == []
    assert [len(asked) for asked in omi.verify_calls] == [2]


def test_asking_stops_at_one_more_gone_item_than_max_delete_allows(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    ids = [omi.user_put(Kind.TASK, None, task(f"Task {number}")) for number in range(30)]
    runner(state, omi, peer).run([Kind.TASK])
    omi.locked.update(ids[:3])
    for item_id in ids[3:]:
        omi.user_delete(Kind.TASK, item_id)
    options = SyncOptions(max_delete=MaxDelete(count=5), timezone="Europe/Berlin")

    report = Runner(state, omi, peer, options, connector=CONNECTOR).run([Kind.TASK])

    # Asked until the 6th gone item (past the 5 that may go), so at most 3 locked besides.
    assert 6 <= sum(map(len, omi.verify_calls)) <= 9
    assert peer.delete_requests == 0 and report.refused == 0
    assert "at least 6 of them are deleted there" in report.errors[0]


def test_max_delete_covers_the_whole_run_not_each_kind(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    for number in range(4):
        omi.user_put(Kind.TASK, None, task(f"Task {number}"))
        omi.user_put(Kind.NOTE, None, note(f"Note {number}"))
    limit = MaxDelete(count=5, percent=100)
    deleting = KindOptions(on_delete=DeletePolicy.DELETE)
    options = SyncOptions(max_delete=limit, tasks=deleting, notes=deleting)
    Runner(state, omi, peer, options, connector=CONNECTOR).run()
    omi.items[Kind.TASK].clear()
    omi.items[Kind.NOTE].clear()

    held = Runner(state, omi, peer, options, connector=CONNECTOR).run()

    # Each kind alone is within 5, but the run would delete 8: the notes wait for a confirmation.
    tasks, notes = held.kinds
    assert tasks.done["deleted_peer"] == 4 and notes.done["deleted_peer"] == 0
    assert peer.delete_requests == 4 and len(peer.items[Kind.NOTE]) == 4
    assert notes.errors[0].startswith(  # asked until 2 gone, more than the 1 left
        "4 linked notes are missing from Omi's listing and at least 2 of them are deleted "
        "there, more than max_delete allows deleting in vault (5 of 8 linked items per run: "
        "count 5, 100%; 4 already planned by the run's other kinds)"
    )
    confirmed = Runner(
        state, omi, peer, replace(options, confirm_deletes=True), connector=CONNECTOR
    ).run()
    assert confirmed.kinds[1].done["deleted_peer"] == 4 and peer.items[Kind.NOTE] == {}


def test_max_delete_percent_is_of_the_links_of_every_kind_that_syncs(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    for number in range(6):
        omi.user_put(Kind.NOTE, None, note(f"Note {number}"))
    for number in range(2):
        omi.user_put(Kind.TASK, None, task(f"Task {number}"))
    deleting = KindOptions(on_delete=DeletePolicy.DELETE)
    options = SyncOptions(max_delete=MaxDelete(count=25, percent=50), tasks=deleting)
    Runner(state, omi, peer, options, connector=CONNECTOR).run()
    omi.items[Kind.TASK].clear()
    notes_off = replace(options, notes=KindOptions(direction=Direction.OFF))

    alone = Runner(state, omi, peer, notes_off, connector=CONNECTOR).run()
    both = Runner(state, omi, peer, options, connector=CONNECTOR).run()

    # Tasks alone: 2 of 2 links is over 50%; with the 6 linked notes, 2 of 8 is within.
    assert alone.kinds[0].done["deleted_peer"] == 0 and alone.refused == 2
    assert "(1 of 2 linked items per run: count 25, 50%)" in alone.describe()
    assert both.kinds[0].done["deleted_peer"] == 2 and peer.items[Kind.TASK] == {}
    assert DeleteBudget(options.max_delete, 8).left(Role.PEER) == 4


def test_a_dry_run_writes_nothing_anywhere(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    omi.user_put(Kind.TASK, None, task("Buy milk"))
    report = runner(state, omi, peer).run(dry_run=True)
    assert writes(omi, peer) == 0 and state.runs.last(CONNECTOR) is None
    assert state.links.load(CONNECTOR, Kind.TASK) == {}
    assert '+ vault create  "Buy milk"' in report.describe()


def test_a_parked_conflict_is_kept_and_reported(
    state: StateDB, omi: MemorySide, peer: MemorySide
) -> None:
    item = omi.user_put(Kind.TASK, None, task("Buy milk"))
    runner(state, omi, peer).run([Kind.TASK])
    (other,) = peer.items[Kind.TASK]
    omi.user_put(Kind.TASK, item, task("Buy oat milk"))
    peer.user_put(Kind.TASK, other, task("Buy soy milk"))
    report = runner(state, omi, peer).run([Kind.TASK])
    assert report.conflicts == 1 and report.kinds[0].writes == 0
    (link,) = state.links.load(CONNECTOR, Kind.TASK).values()
    assert link.state is LinkState.CONFLICT
