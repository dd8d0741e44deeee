"""OmiSide.update and OmiSide.delete against the Omi emulator: only changed fields, changes Omi
cannot make, outcomes per item, and the two delete modes."""

from __future__ import annotations

from datetime import datetime

import pytest
from omi_side_helpers import ZONE, MakeClient, requests, stored

from omisync.emulator import RunningEmulator
from omisync.omi_side import OmiSide
from omisync.sync.links import Kind
from omisync.sync.side import (
    Change,
    DeleteMode,
    Failed,
    ItemGoneError,
    ItemLockedError,
    ItemRejectedError,
    Outcome,
    TransientError,
    Written,
)


def _seed_tasks(emu: RunningEmulator, *descriptions: str, **fields: object) -> list[str]:
    ids: list[str] = emu.seed(
        {"action_items": [{"description": d, **fields} for d in descriptions]}
    )["action_items"]
    return ids


def _held(outcome: Outcome) -> dict[str, object]:
    assert isinstance(outcome, Written) and outcome.held is not None, outcome
    return outcome.held


def _error(outcome: Outcome) -> Exception:
    assert isinstance(outcome, Failed), outcome
    return outcome.error


# --- tasks ------------------------------------------------------------------------------------


def test_task_update_writes_the_changed_fields_and_answers_what_omi_holds(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [item_id] = _seed_tasks(emu, "Renew passport", due_at="2025-07-01T11:00:00Z")

    [done] = side.update(Kind.TASK, [Change(item_id, {"done": True})])
    [moved] = side.update(
        Kind.TASK, [Change(item_id, {"text": "Renew ID card", "due": "2025-08-02"})]
    )

    assert _held(done) == {"text": "Renew passport", "done": True, "due": "2025-07-01"}
    assert _held(moved) == {"text": "Renew ID card", "done": True, "due": "2025-08-02"}
    row = stored(emu, "action_items", item_id)
    assert datetime.fromisoformat(row["due_at"]) == datetime.fromisoformat("2025-08-02T11:00:00Z")
    assert side.snapshot(Kind.TASK).items[item_id] == _held(moved)


def test_removing_a_due_date_is_refused_and_nothing_is_sent(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [item_id] = _seed_tasks(emu, "Book dentist", due_at="2025-07-01T11:00:00Z")
    emu.clear_stats()

    outcomes = side.update(
        Kind.TASK,
        [Change(item_id, {"due": None}), Change(item_id, {"text": "Book GP", "due": None})],
    )

    for outcome in outcomes:
        error = _error(outcome)
        assert isinstance(error, ItemRejectedError)
        assert "cannot remove a due date" in str(error)
        assert "The change was not applied" in str(error)
    assert requests(emu, "PATCH") == []
    assert stored(emu, "action_items", item_id)["description"] == "Book dentist"


def test_update_outcomes_are_per_item_and_in_order(emu: RunningEmulator, side: OmiSide) -> None:
    gone, locked, fine = _seed_tasks(emu, "gone", "locked", "fine")
    side.delete(Kind.TASK, [gone], DeleteMode.DELETE)
    emu.lock("action_item", locked)

    outcomes = side.update(
        Kind.TASK,
        [
            Change(gone, {"done": True}),
            Change(locked, {"done": True}),
            Change(fine, {"done": True}),
            Change(fine, {"text": "  "}),
        ],
    )

    assert isinstance(_error(outcomes[0]), ItemGoneError)
    assert isinstance(_error(outcomes[1]), ItemLockedError)
    assert "paid plan" in str(_error(outcomes[1]))
    assert _held(outcomes[2])["done"] is True
    assert isinstance(_error(outcomes[3]), ItemRejectedError)


def test_a_service_failure_before_any_write_raises(
    emu: RunningEmulator, make_client: MakeClient
) -> None:
    side = OmiSide(make_client(attempts=1), timezone=ZONE)
    first, second = _seed_tasks(emu, "first", "second")
    emu.set_faults(fail_next=1, error_status=503)

    with pytest.raises(TransientError) as raised:
        side.update(Kind.TASK, [Change(first, {"done": True}), Change(second, {"done": True})])

    assert f"updating Omi action item {first} failed" in str(raised.value)
    assert "HTTP 503" in str(raised.value)
    assert len(requests(emu, "PATCH")) == 1


def test_a_service_failure_after_a_write_fails_that_item_and_the_rest(
    emu: RunningEmulator, make_client: MakeClient
) -> None:
    side = OmiSide(make_client(attempts=1), timezone=ZONE)
    first, second, third = _seed_tasks(emu, "first", "second", "third")
    emu.set_faults(fail_next=1, path_contains=second)

    outcomes = side.update(Kind.TASK, [Change(i, {"done": True}) for i in (first, second, third)])

    assert _held(outcomes[0])["done"] is True
    assert [type(_error(o)) for o in outcomes[1:]] == [TransientError, TransientError]
    assert [r["path"].rsplit("/", 1)[1] for r in requests(emu, "PATCH")] == [first, second]
    assert stored(emu, "action_items", third)["completed"] is False


def test_delete_mode_delete_removes_the_item_and_a_gone_item_counts_as_deleted(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [item_id] = _seed_tasks(emu, "Water the plants")

    first = side.delete(Kind.TASK, [item_id], DeleteMode.DELETE)
    again = side.delete(Kind.TASK, [item_id], DeleteMode.DELETE)

    assert first == again == [Written(item_id, None)]
    assert emu.records()["action_items"] == []


def test_delete_mode_complete_marks_the_task_done(emu: RunningEmulator, side: OmiSide) -> None:
    [item_id] = _seed_tasks(emu, "Pay the electricity bill")

    [outcome] = side.delete(Kind.TASK, [item_id], DeleteMode.COMPLETE)

    assert _held(outcome) == {"text": "Pay the electricity bill", "done": True, "due": None}
    row = stored(emu, "action_items", item_id)
    assert row["completed"] is True and row["completed_at"] is not None
    assert side.delete(Kind.TASK, ["no-such-id"], DeleteMode.COMPLETE) == [
        Written("no-such-id", None)
    ]


def test_a_locked_task_is_neither_deleted_nor_completed(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [item_id] = _seed_tasks(emu, "Review the memo", is_locked=True)

    for mode in DeleteMode:
        [outcome] = side.delete(Kind.TASK, [item_id], mode)
        assert isinstance(_error(outcome), ItemLockedError)
    assert stored(emu, "action_items", item_id)["completed"] is False


# --- notes ------------------------------------------------------------------------------------


def test_a_visibility_change_sends_only_the_visibility(emu: RunningEmulator, side: OmiSide) -> None:
    [memory_id] = emu.seed({"memories": [{"content": "Likes jazz", "category": "interests"}]})[
        "memories"
    ]
    before = stored(emu, "memories", memory_id)

    [outcome] = side.update(Kind.NOTE, [Change(memory_id, {"visibility": "public"})])

    assert _held(outcome) == {
        "text": "Likes jazz",
        "category": "interests",
        "tags": [],
        "visibility": "public",
    }
    after = stored(emu, "memories", memory_id)
    # Omi marks a memory edited (and bumps updated_at) only when content is sent.
    assert after["edited"] is False
    assert after["updated_at"] == before["updated_at"]


def test_a_note_update_keeps_the_memory_id_and_matches_categories(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [memory_id] = emu.seed({"memories": [{"content": "Runs on Tuesdays"}]})["memories"]

    [outcome] = side.update(
        Kind.NOTE,
        [Change(memory_id, {"text": "Runs on Saturdays", "category": "Habits", "tags": ["run"]})],
    )

    assert isinstance(outcome, Written) and outcome.item_id == memory_id
    assert _held(outcome) == {
        "text": "Runs on Saturdays",
        "category": "habits",
        "tags": ["run"],
        "visibility": "private",
    }
    assert stored(emu, "memories", memory_id)["edited"] is True


def test_note_changes_omi_cannot_make_are_refused_before_sending(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [memory_id] = emu.seed({"memories": [{"content": "Reads at night"}]})["memories"]
    emu.clear_stats()

    outcomes = side.update(
        Kind.NOTE,
        [
            Change(memory_id, {"category": "journal"}),
            Change(memory_id, {"category": None}),
            Change(memory_id, {"text": "x" * 501}),
            Change(memory_id, {}),
        ],
    )

    errors = [_error(outcome) for outcome in outcomes]
    assert all(isinstance(error, ItemRejectedError) for error in errors)
    assert "no memory category 'journal'" in str(errors[0])
    assert "always has a category" in str(errors[1])
    assert requests(emu, "PATCH") == []


def test_note_deletes_and_complete_keeps_the_memory(emu: RunningEmulator, side: OmiSide) -> None:
    kept, deleted, locked = emu.seed(
        {
            "memories": [
                {"content": "Keep me", "category": "system"},
                {"content": "Delete me"},
                {"content": "L" * 100, "is_locked": True},
            ]
        }
    )["memories"]
    side.snapshot(Kind.NOTE)
    emu.clear_stats()

    kept_outcomes = side.delete(Kind.NOTE, [kept, locked, "no-such-id"], DeleteMode.COMPLETE)
    deleted_outcomes = side.delete(Kind.NOTE, [deleted, deleted], DeleteMode.DELETE)

    assert _held(kept_outcomes[0]) == {
        "text": "Keep me",
        "category": "system",
        "tags": [],
        "visibility": "private",
    }
    assert isinstance(_error(kept_outcomes[1]), ItemLockedError)
    assert kept_outcomes[2] == Written("no-such-id", None)
    assert deleted_outcomes == [Written(deleted, None), Written(deleted, None)]
    assert requests(emu, "PATCH") == []
    assert len(requests(emu, "DELETE")) == 2
    assert sorted(row["id"] for row in emu.records()["memories"]) == sorted([kept, locked])
