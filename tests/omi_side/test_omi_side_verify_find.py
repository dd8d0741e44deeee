"""OmiSide.verify (gone, locked or present, changing nothing) and OmiSide.find_created (items an
interrupted run made, found by content) against the Omi emulator."""

from __future__ import annotations

import pytest
from omi_side_helpers import ZONE, MakeClient, note, requests, stored, task

from omisync.emulator import RunningEmulator
from omisync.omi_side import OmiSide
from omisync.sync.links import Kind
from omisync.sync.side import DeleteMode, Presence, TransientError, Written


def test_verify_tells_gone_locked_and_present_action_items_apart_and_changes_nothing(
    emu: RunningEmulator, side: OmiSide
) -> None:
    deleted, locked = emu.seed(
        {"action_items": [{"description": "deleted"}, {"description": "locked"}]}
    )["action_items"]
    emu.lock("action_item", locked)
    side.delete(Kind.TASK, [deleted], DeleteMode.DELETE)
    snapshot = side.snapshot(Kind.TASK)
    # Made after the snapshot by someone else: exists, unlocked, not in the listing.
    [late] = emu.seed({"action_items": [{"description": "late"}]})["action_items"]
    before = {item_id: stored(emu, "action_items", item_id) for item_id in (locked, late)}
    emu.clear_stats()

    answers = side.verify(Kind.TASK, [deleted, locked, late])

    assert answers == {
        deleted: Presence.GONE,
        locked: Presence.LOCKED,
        late: Presence.PRESENT,
    }
    assert snapshot.complete and snapshot.items == {}
    assert [r["status"] for r in requests(emu, "PATCH")] == [404, 402, 422]
    assert requests(emu, "POST") == requests(emu, "DELETE") == []
    for item_id, row in before.items():
        assert stored(emu, "action_items", item_id) == row


def test_verify_answers_listed_action_items_without_asking_omi(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [item_id] = emu.seed({"action_items": [{"description": "listed"}]})["action_items"]
    side.snapshot(Kind.TASK)
    emu.clear_stats()

    assert side.verify(Kind.TASK, [item_id]) == {item_id: Presence.PRESENT}
    assert emu.stats()["total"] == 0


def test_verify_raises_when_omi_cannot_be_asked(
    emu: RunningEmulator, make_client: MakeClient
) -> None:
    side = OmiSide(make_client(attempts=1), timezone=ZONE)
    side.snapshot(Kind.TASK)
    emu.set_faults(fail_next=1, error_status=502)

    with pytest.raises(TransientError, match="checking Omi action item gone-or-locked"):
        side.verify(Kind.TASK, ["gone-or-locked"])


def test_verify_of_memories_reads_the_snapshot_listing(emu: RunningEmulator, side: OmiSide) -> None:
    kept, locked, deleted = emu.seed(
        {
            "memories": [
                {"content": "kept"},
                {"content": "a locked memory " + "x" * 80, "is_locked": True},
                {"content": "deleted"},
            ]
        }
    )["memories"]
    side.delete(Kind.NOTE, [deleted], DeleteMode.DELETE)
    snapshot = side.snapshot(Kind.NOTE)
    emu.clear_stats()

    answers = side.verify(Kind.NOTE, [kept, locked, deleted])

    assert answers == {kept: Presence.PRESENT, locked: Presence.LOCKED, deleted: Presence.GONE}
    assert snapshot.complete and set(snapshot.items) == {kept}
    assert emu.stats()["total"] == 0


def test_verify_of_memories_lists_them_when_no_listing_is_at_hand(
    emu: RunningEmulator, side: OmiSide
) -> None:
    [memory_id] = emu.seed({"memories": [{"content": "listed"}]})["memories"]

    assert side.verify(Kind.NOTE, [memory_id, "gone"]) == {
        memory_id: Presence.PRESENT,
        "gone": Presence.GONE,
    }
    assert len(requests(emu, "GET", "/memories")) >= 1


def test_find_created_claims_the_newest_unlinked_standalone_task_with_the_same_text_and_day(
    emu: RunningEmulator, side: OmiSide
) -> None:
    linked, older, newer, extracted, other_day = emu.seed(
        {
            "action_items": [
                {"description": "Call Mom", "created_at": "2025-04-01T08:00:00Z"},
                {"description": "Call Mom", "created_at": "2025-04-02T08:00:00Z"},
                {"description": "Call Mom", "created_at": "2025-04-03T08:00:00Z"},
                {
                    "description": "Call Mom",
                    "created_at": "2025-04-04T08:00:00Z",
                    "conversation_id": "conversation-1",
                },
                {
                    "description": "Call Mom",
                    "created_at": "2025-04-05T08:00:00Z",
                    "due_at": "2025-05-02T11:00:00Z",
                },
            ]
        }
    )["action_items"]
    drafts = [
        task("call  mom", stamp="first"),
        task("Call Mom", stamp="second"),
        task("Call Mom", stamp="third"),
        task("Call Mom", due="2025-05-02", stamp="dated"),
    ]

    found = side.find_created(Kind.TASK, drafts, exclude={linked})

    assert {stamp: written.item_id for stamp, written in found.items()} == {
        "first": newer,
        "second": older,
        "dated": other_day,
    }
    assert extracted not in {w.item_id for w in found.values()}
    assert found["dated"] == Written(
        other_day, {"text": "Call Mom", "done": False, "due": "2025-05-02"}
    )


def test_find_created_finds_memories_by_their_exact_text(
    emu: RunningEmulator, side: OmiSide
) -> None:
    mine, linked = emu.seed(
        {"memories": [{"content": "Likes sailing", "category": "interests"}, {"content": "Taken"}]}
    )["memories"]

    found = side.find_created(
        Kind.NOTE,
        [note("Likes sailing"), note("likes sailing", stamp="case"), note("Taken"), note("never")],
        exclude={linked},
    )

    assert found == {
        "Likes sailing": Written(
            mine,
            {"text": "Likes sailing", "category": "interests", "tags": [], "visibility": "private"},
        )
    }


def test_find_created_finds_what_a_create_made(side: OmiSide) -> None:
    drafts = [task("Renew passport", due="2025-09-01"), task("Fix the tap")]
    created = side.create(Kind.TASK, drafts)

    assert side.find_created(Kind.TASK, drafts) == {
        draft.stamp: outcome for draft, outcome in zip(drafts, created, strict=True)
    }
