"""OmiSide.snapshot against the Omi emulator: the sample account, dues read in the zone, short
pages, and locked memories that must never be taken for an edit."""

from __future__ import annotations

from datetime import datetime

from omi_side_helpers import requests

from omisync.emulator import RunningEmulator
from omisync.omi_side import OmiSide
from omisync.sync.links import Kind
from omisync.sync.side import Presence


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_task_snapshot_lists_every_visible_action_item_of_the_sample_account(
    emu: RunningEmulator, side: OmiSide
) -> None:
    emu.reset(sample_data=True)
    rows = emu.records()["action_items"]
    visible = {row["id"]: row for row in rows if not row["is_locked"]}
    locked = [row["id"] for row in rows if row["is_locked"]]

    snapshot = side.snapshot(Kind.TASK)

    assert snapshot.kind is Kind.TASK
    assert snapshot.complete
    assert snapshot.max_text_length == 500
    assert snapshot.deleted == frozenset()
    assert set(snapshot.items) == set(visible)
    assert locked and not set(locked) & set(snapshot.items)
    for item_id, row in visible.items():
        projection = snapshot.items[item_id]
        assert projection["text"] == row["description"]
        assert projection["done"] is row["completed"]
        assert snapshot.modified[item_id] == _instant(row["updated_at"])
        assert side.conversation_id(item_id) == row["conversation_id"]
    extracted = [row for row in visible.values() if row["conversation_id"] is not None]
    assert extracted, "the sample account has action items extracted from conversations"


def test_task_snapshot_reads_local_noon_as_a_date_and_other_times_as_instants(
    emu: RunningEmulator, side: OmiSide
) -> None:
    ids = emu.seed(
        {
            "action_items": [
                # 12:00 in Lisbon (summer time, UTC+1) is 11:00 UTC.
                {"description": "noon in Lisbon", "due_at": "2025-07-14T11:00:00Z"},
                {"description": "five pm", "due_at": "2025-07-14T17:00:00Z"},
                {"description": "no due"},
            ]
        }
    )["action_items"]

    items = side.snapshot(Kind.TASK).items

    assert items[ids[0]]["due"] == "2025-07-14"
    assert items[ids[1]]["due"] == "2025-07-14T17:00:00Z"
    assert items[ids[2]]["due"] is None


def test_task_snapshot_pages_past_short_pages_to_an_empty_one(
    emu: RunningEmulator, side: OmiSide
) -> None:
    emu.seed({"action_items": [{"description": f"task {n}"} for n in range(12)]})
    emu.set_faults(short_page_drop=5)
    emu.clear_stats()

    snapshot = side.snapshot(Kind.TASK)

    assert snapshot.complete
    assert sorted(p["text"] for p in snapshot.items.values()) == sorted(
        f"task {n}" for n in range(12)
    )
    assert len(requests(emu, "GET", "/action-items")) >= 3  # short pages, then an empty one


def test_note_snapshot_withholds_the_locked_memory_preview_and_stays_complete(
    emu: RunningEmulator, side: OmiSide
) -> None:
    emu.reset(sample_data=True)
    rows = emu.records()["memories"]
    locked = [row for row in rows if row["is_locked"]]
    listed = [row for row in rows if not row["is_locked"] and row["user_review"] is not False]

    snapshot = side.snapshot(Kind.NOTE)

    assert snapshot.complete
    assert snapshot.max_text_length == 500
    assert len(locked) == 1 and len(locked[0]["content"]) > 73
    assert locked[0]["id"] not in snapshot.items
    assert set(snapshot.items) == {row["id"] for row in listed}
    for row in listed:
        assert snapshot.items[row["id"]] == {
            "text": row["content"],
            "category": row["category"],
            "tags": sorted(row["tags"]),
            "visibility": row["visibility"],
        }
        assert snapshot.modified[row["id"]] == _instant(row["updated_at"])
    assert side.verify(Kind.NOTE, [locked[0]["id"]]) == {locked[0]["id"]: Presence.LOCKED}


def test_note_of_the_preview_shape_is_withheld_even_when_unlocked(
    emu: RunningEmulator, side: OmiSide
) -> None:
    preview_shaped = "x" * 70 + "..."
    long_unlocked = "y" * 200
    ids = emu.seed({"memories": [{"content": preview_shaped}, {"content": long_unlocked}]})[
        "memories"
    ]

    snapshot = side.snapshot(Kind.NOTE)

    assert ids[0] not in snapshot.items
    assert snapshot.items[ids[1]]["text"] == long_unlocked
    assert side.verify(Kind.NOTE, [ids[0]]) == {ids[0]: Presence.LOCKED}


def test_note_snapshot_skips_hidden_memories(emu: RunningEmulator, side: OmiSide) -> None:
    ids = emu.seed(
        {
            "memories": [
                {"content": "shown"},
                {"content": "rejected by the user", "user_review": False},
                {"content": "superseded", "invalid_at": "2025-01-01T00:00:00Z"},
            ]
        }
    )["memories"]

    assert set(side.snapshot(Kind.NOTE).items) == {ids[0]}
