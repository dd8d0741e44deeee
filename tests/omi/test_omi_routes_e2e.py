"""Every client route against the Omi emulator over real loopback HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omisync.emulator import RunningEmulator
from omisync.omi import (
    AuthError,
    ForbiddenError,
    LockedError,
    Memory,
    NewActionItem,
    NewMemory,
    NewSegment,
    NotFoundError,
    OmiClient,
    ValidationError,
)

DUE = datetime(2030, 5, 1, 17, 0, tzinfo=UTC)


def requests_to(emu: RunningEmulator, suffix: str) -> list[dict[str, object]]:
    return [r for r in emu.stats()["requests"] if str(r["path"]).endswith(suffix)]


# --- memories -----------------------------------------------------------------------------


def test_memory_create_is_idempotent_by_content(omi: OmiClient) -> None:
    first = omi.memories.create("  Prefers green tea  ", category="system", tags=["food"])
    again = omi.memories.create("Prefers green tea", category="system", tags=["food"])
    assert first.id == again.id
    assert first.content == "Prefers green tea"
    assert (first.category, first.tags, first.manually_added) == ("system", ("food",), True)
    assert first.created_at is not None and first.created_at.tzinfo is UTC
    assert [m.id for m in omi.memories.scan()] == [first.id]


def test_memory_batch_update_and_delete(omi: OmiClient, emu: RunningEmulator) -> None:
    created = omi.memories.create_batch([NewMemory(f"Fact number {i}") for i in range(30)])
    assert len(created) == 30
    assert len(requests_to(emu, "/user/memories/batch")) == 2
    target = created[3]
    edited = omi.memories.update(target.id, content="Fact number three, edited", tags=["x"])
    assert (edited.id, edited.content, edited.edited, edited.tags) == (
        target.id,
        "Fact number three, edited",
        True,
        ("x",),
    )
    omi.memories.delete(target.id)
    scan = omi.memories.scan(page_size=7)
    assert scan.complete and scan.is_full_listing and scan.requests == 7
    assert len(scan) == 29 and target.id not in {m.id for m in scan}
    with pytest.raises(NotFoundError, match="Memory not found"):
        omi.memories.update(target.id, visibility="public")


def test_memory_category_filter(omi: OmiClient) -> None:
    omi.memories.create_batch(
        [
            NewMemory("Lives in Berlin", "system"),
            NewMemory("Octopuses have three hearts", "interesting"),
        ]
    )
    scan = omi.memories.scan(categories=["interesting"])
    assert [m.content for m in scan] == ["Octopuses have three hearts"]
    assert scan.filtered and not scan.is_full_listing
    with pytest.raises(ValidationError, match="not a valid MemoryCategory"):
        omi.memories.scan(categories=["bogus"])


def test_a_locked_memory_shows_a_preview_and_refuses_changes(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    memory = omi.memories.create("A long memory " + "that goes on " * 10)
    emu.lock("memory", memory.id)
    [listed] = omi.memories.scan().items
    assert listed.may_be_locked_preview
    with pytest.raises(LockedError, match="paid plan"):
        omi.memories.update(memory.id, content="new")
    with pytest.raises(LockedError):
        omi.memories.delete(memory.id)


def test_memory_validation_names_the_field(omi: OmiClient) -> None:
    with pytest.raises(ValidationError) as caught:
        omi.memories.create("x" * 501)
    assert "content: String should have at most 500 characters" in str(caught.value)
    assert caught.value.status_code == 422
    assert caught.value.problems[0].field == "content"


# --- action items -------------------------------------------------------------------------


def test_action_item_create_batch_update_delete(omi: OmiClient, emu: RunningEmulator) -> None:
    one = omi.action_items.create("Call the dentist", due_at=DUE)
    assert (one.due_at, one.conversation_id, one.completed) == (DUE, None, False)
    batch = omi.action_items.create_batch(
        [NewActionItem(f"Task {i}", completed=i % 2 == 0) for i in range(120)]
    )
    assert [i.description for i in batch] == [f"Task {i}" for i in range(120)]
    assert len(requests_to(emu, "/user/action-items/batch")) == 3

    done = omi.action_items.update(one.id, completed=True)
    assert done.completed and done.completed_at is not None
    kept_due = omi.action_items.update(one.id, description="Call the dentist today")
    assert kept_due.due_at == DUE  # None means "leave unchanged"
    moved = omi.action_items.update(one.id, due_at=DUE + timedelta(days=1))
    assert moved.due_at == DUE + timedelta(days=1)

    omi.action_items.delete(one.id)
    with pytest.raises(NotFoundError, match="Action item not found"):
        omi.action_items.delete(one.id)
    open_items = omi.action_items.scan(completed=False)
    assert len(open_items) == 60 and not any(i.completed for i in open_items)


def test_an_invalid_item_in_a_later_chunk_creates_nothing(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    drafts = [NewActionItem(f"Task {i}") for i in range(50)]
    naive = NewActionItem("Naive due date", due_at=datetime(2030, 5, 1, 17, 0))
    with pytest.raises(ValueError, match="due_at"):
        omi.action_items.create_batch([*drafts, naive])
    assert emu.stats()["total"] == 0 and emu.records()["action_items"] == []


def test_standalone_only_and_locked_items(omi: OmiClient, emu: RunningEmulator) -> None:
    ids = emu.seed(
        {
            "action_items": [
                {"description": "Standalone"},
                {"description": "From a chat", "conversation_id": "conv-1"},
                {"description": "Locked one", "is_locked": True},
            ]
        }
    )["action_items"]
    everything = omi.action_items.scan()
    assert {i.description for i in everything} == {"Standalone", "From a chat"}
    assert everything.is_full_listing
    standalone = omi.action_items.scan(standalone_only=True)
    assert [i.description for i in standalone] == ["Standalone"]
    assert standalone.filtered
    in_chat = omi.action_items.scan(conversation_id="conv-1")
    assert [i.id for i in in_chat] == [ids[1]]
    with pytest.raises(LockedError):
        omi.action_items.update(ids[2], completed=True)


def test_paging_runs_through_short_pages_to_the_empty_page(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.seed({"action_items": [{"description": f"Item {i}"} for i in range(95)]})
    emu.set_faults(short_page_drop=3, path_contains="/action-items")
    scan = omi.action_items.scan(page_size=10)
    assert scan.complete and len(scan) == 95
    pages = requests_to(emu, "/user/action-items")
    assert len(pages) == scan.requests >= 12


def test_a_fully_locked_page_window_does_not_end_the_scan(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.seed({"action_items": [{"description": f"Item {i}"} for i in range(30)]})
    listed = [i.id for i in omi.action_items.scan(page_size=10)]
    for locked in listed[10:20]:
        emu.lock("action_item", locked)
    emu.clear_stats()
    scan = omi.action_items.scan(page_size=10)
    assert [i.id for i in scan] == listed[:10] + listed[20:]
    assert scan.complete and scan.is_full_listing
    pages = requests_to(emu, "/user/action-items")
    assert len(pages) == scan.requests == 5  # offsets 0, 10 (empty), 20 (look-ahead), 30, 40


def test_a_page_size_above_the_clamp_still_reads_everything(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.seed({"memories": [{"content": f"Memory {i}"} for i in range(1200)]})
    scan = omi.memories.scan(page_size=5000)
    assert len(scan) == 1200 and scan.requests == 4


def test_a_page_size_above_the_clamp_skips_a_locked_window_by_what_the_server_serves(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    """Listing positions 1000-1999 are locked: the page at offset 1000 comes back empty. The
    look-ahead must land at 2000 (the server's 1000-row clamp), not at 1000 + 5000."""
    newest = datetime(2030, 1, 1, tzinfo=UTC)
    emu.seed(
        {
            "action_items": [
                {
                    "description": f"Item {i}",
                    "created_at": (newest - timedelta(minutes=i)).isoformat(),
                    "is_locked": 1000 <= i < 2000,
                }
                for i in range(3000)
            ]
        }
    )
    scan = omi.action_items.scan(page_size=5000)
    expected = [f"Item {i}" for i in [*range(1000), *range(2000, 3000)]]
    assert [item.description for item in scan] == expected
    assert scan.complete and scan.is_full_listing
    # offsets 0, 1000 (empty), 2000 (look-ahead), 3000 (empty), 4000 (empty look-ahead)
    assert scan.requests == len(requests_to(emu, "/user/action-items")) == 5


# --- conversations ------------------------------------------------------------------------

TEXT = (
    "We planned the product launch with the marketing team. "
    "I need to send the budget spreadsheet tomorrow. "
    "I prefer morning meetings for planning sessions."
)


def test_conversation_from_text_get_update_delete(omi: OmiClient) -> None:
    created = omi.conversations.create_from_text(TEXT, started_at=DUE)
    assert created.status == "completed" and not created.discarded
    [listed] = omi.conversations.scan().items
    assert listed.id == created.id and listed.transcript_segments is None
    assert listed.structured.title and listed.started_at == DUE
    extracted = omi.action_items.scan(conversation_id=created.id)
    assert [i.description for i in extracted] == ["Send the budget spreadsheet tomorrow"]

    renamed = omi.conversations.update(created.id, title="Launch planning")
    assert renamed.structured.title == "Launch planning"
    omi.conversations.update(created.id, discarded=True)
    assert len(omi.conversations.scan()) == 0
    assert omi.conversations.get(created.id).id == created.id  # discarded: still readable
    omi.conversations.delete(created.id)
    with pytest.raises(NotFoundError, match="Conversation not found"):
        omi.conversations.get(created.id)


def test_chatter_is_discarded_and_never_listed(omi: OmiClient) -> None:
    created = omi.conversations.create_from_text("ok thanks, bye")
    assert created.discarded
    assert len(omi.conversations.scan()) == 0


def test_from_segments_is_idempotent_with_a_session_id(omi: OmiClient) -> None:
    segments = [
        NewSegment("Let's review the quarterly results together", 0.0, 3.5, is_user=True),
        NewSegment("Revenue is up twenty five percent this quarter", 4.0, 7.2, "SPEAKER_01"),
    ]
    first = omi.conversations.create_from_segments(segments, client_session_id="session-42")
    again = omi.conversations.create_from_segments(segments, client_session_id="session-42")
    assert first.id == again.id
    with_transcript = omi.conversations.get(first.id, include_transcript=True)
    assert with_transcript.transcript_segments is not None
    assert [s.end for s in with_transcript.transcript_segments] == [3.5, 7.2]
    scan = omi.conversations.scan(include_transcript=True)
    assert [c.id for c in scan] == [first.id]
    assert scan.items[0].transcript_segments is not None
    with pytest.raises(ValidationError, match=r"Segment 0: end time must be after start time"):
        omi.conversations.create_from_segments([NewSegment("backwards words here", 5.0, 1.0)])


def test_conversation_filters(omi: OmiClient, emu: RunningEmulator) -> None:
    emu.seed(
        {
            "conversations": [
                {"title": "Old", "created_at": "2024-01-01T00:00:00Z", "category": "work"},
                {"title": "New", "created_at": "2025-06-01T00:00:00Z", "category": "health"},
            ]
        }
    )
    since = omi.conversations.scan(start_date=datetime(2025, 1, 1, tzinfo=UTC))
    assert [c.structured.title for c in since] == ["New"]
    by_category = omi.conversations.scan(categories=["work"])
    assert [c.structured.title for c in by_category] == ["Old"]


# --- keys ---------------------------------------------------------------------------------


def test_key_info_and_key_management(omi: OmiClient, emu: RunningEmulator) -> None:
    info = omi.key_info()
    assert info.key_prefix.startswith("omi_dev_") and info.scopes is not None
    created = omi.keys.create("read only")
    assert created.key.startswith("omi_dev_") and created.info.name == "read only"
    assert created.key not in repr(created)
    assert created.info.id in {k.id for k in omi.keys.list()}

    with OmiClient(emu.base_url, created.key) as reader:
        assert reader.key_info().scopes == (
            "conversations:read",
            "memories:read",
            "action_items:read",
            "goals:read",
        )
        with pytest.raises(ForbiddenError, match="Required scope: memories:write") as caught:
            reader.memories.create("nope")
        assert created.key not in str(caught.value)
        omi.keys.revoke(created.info.id)
        omi.keys.revoke(created.info.id)  # unknown ids are a no-op
        with pytest.raises(AuthError, match="Invalid API Key") as revoked:
            reader.memories.scan()
        assert created.key not in str(revoked.value)
    assert created.info.id not in {k.id for k in omi.keys.list()}


def test_a_wrong_key_is_an_auth_error_without_the_key(emu: RunningEmulator) -> None:
    wrong = "omi_dev_" + "0" * 32
    with OmiClient(emu.base_url, wrong) as client, pytest.raises(AuthError) as caught:
        client.action_items.scan()
    assert "Invalid API Key" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(client)


def test_models_are_frozen(omi: OmiClient) -> None:
    memory = omi.memories.create("Frozen fact")
    assert isinstance(memory, Memory)
    with pytest.raises(AttributeError):
        memory.content = "changed"  # type: ignore[misc]


def test_probe_tells_present_locked_and_gone_apart_and_writes_nothing(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    present = omi.action_items.create("Still here")
    locked = omi.action_items.create("Behind the paywall")
    gone = omi.action_items.create("Deleted soon")
    emu.lock("action_item", locked.id)
    omi.action_items.delete(gone.id)
    emu.clear_stats()
    omi.action_items.probe(present.id)
    with pytest.raises(LockedError):
        omi.action_items.probe(locked.id)
    with pytest.raises(NotFoundError):
        omi.action_items.probe(gone.id)
    [after] = [item for item in omi.action_items.scan().items if item.id == present.id]
    assert after.updated_at == present.updated_at
    assert after.description == "Still here" and not after.completed
