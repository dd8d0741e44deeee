"""Conversation notes (Omi → vault) and inbox files (vault → Omi)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omisync.connectors.markdown import (
    ConversationExporter,
    Inbox,
    MarkdownOptions,
    MarkdownSide,
    NoteText,
    RegionError,
    VaultWriteError,
    parse_inbox,
    replace_region,
)
from omisync.conversations import (
    ConversationRecord,
    ConversationTask,
    InboxText,
    InboxTranscript,
    Segment,
    SentConversation,
)

BERLIN = ZoneInfo("Europe/Berlin")
CONVERSATION = ConversationRecord(
    id="conv-1",
    created_at=datetime(2025, 12, 8, 8, 0, tzinfo=UTC),
    started_at=datetime(2025, 12, 8, 8, 0, tzinfo=UTC),
    finished_at=datetime(2025, 12, 8, 8, 12, tzinfo=UTC),
    title="Planning the trip",
    overview="We chose dates.\nAna books the train.",
    emoji="🚆",
    category="travel",
    action_items=(
        ConversationTask("Book the train"),
        ConversationTask("Ask for leave", done=True),
    ),
    transcript=(
        Segment("Ana", "Shall we go in May?", 0.0, 3.0),
        Segment("Me", "Yes.\nEarly May.", 65.0, 68.0, is_user=True),
    ),
)


def exporter(root: Path) -> ConversationExporter:
    return ConversationExporter(root, "Omi/Conversations", zone=BERLIN)


def test_a_conversation_becomes_a_note(tmp_path: Path) -> None:
    report = exporter(tmp_path).export([CONVERSATION])
    assert report.written == {"conv-1": "Omi/Conversations/2025-12-08 Planning the trip.md"}
    text = (tmp_path / report.written["conv-1"]).read_text()
    assert text.startswith(
        "---\nomi_conversation: conv-1\ndate: '2025-12-08'\ncategory: travel\n---\n\n"
        "<!-- omisync:begin "
    )
    assert "# 🚆 Planning the trip\n\n*2025-12-08 09:00 · travel · 12 min*\n" in text
    assert "- Book the train\n- ~~Ask for leave~~ ✓\n" in text
    assert "> [!note]- Transcript\n> **Ana** (00:00): Shall we go in May?\n" in text
    assert "> **Me** (01:05): Yes.\n> Early May.\n<!-- omisync:end -->\n" in text


def test_unchanged_conversations_are_not_rewritten_and_user_text_survives(
    tmp_path: Path,
) -> None:
    first = exporter(tmp_path)
    [rel] = first.export([CONVERSATION]).written.values()
    path = tmp_path / rel
    renamed = path.with_name("My trip.md")
    path.rename(renamed)
    front, body = renamed.read_text().split("---\n\n", 1)
    renamed.write_text(front + "---\nMy own intro\n\n" + body + "\nMy notes after.\n")
    before = renamed.read_bytes()
    again = exporter(tmp_path).export([CONVERSATION])
    assert again.written == {} and again.unchanged == {"conv-1"}
    assert renamed.read_bytes() == before
    changed = dataclasses.replace(CONVERSATION, title="Planning the May trip")
    assert exporter(tmp_path).export([changed]).written == {
        "conv-1": "Omi/Conversations/My trip.md"
    }
    text = renamed.read_text()
    assert "---\nMy own intro\n\n<!-- omisync:begin " in text
    assert "# 🚆 Planning the May trip" in text and text.endswith("\nMy notes after.\n")


def test_damaged_markers_are_reported_not_overwritten(tmp_path: Path) -> None:
    note = NoteText.decode(b"<!-- omisync:begin abc -->\nuser text without an end\n")
    with pytest.raises(RegionError, match="markers are damaged"):
        replace_region(note, "x", "n.md")
    [rel] = exporter(tmp_path).export([CONVERSATION]).written.values()
    path = tmp_path / rel
    path.write_text(path.read_text().replace("<!-- omisync:end -->", ""))
    damaged = path.read_bytes()
    report = exporter(tmp_path).export([dataclasses.replace(CONVERSATION, title="New")])
    assert report.written == {} and "damaged" in report.failed["conv-1"]
    assert path.read_bytes() == damaged


# --- inbox ------------------------------------------------------------------------------------


def test_plain_text_is_text() -> None:
    data = b"---\nx: 1\n---\nIdea: a note to self.\nIt has a colon but is prose.\nMore prose.\n"
    assert parse_inbox(data) == InboxText(
        "Idea: a note to self.\nIt has a colon but is prose.\nMore prose."
    )


def test_a_speaker_transcript_becomes_segments() -> None:
    data = (
        b"[00:05] Ana: Hello there\n**Me**: Hi Ana, how are you?\n"
        b"still me, continuing\n[01:00] Dr. Who: Fine\n"
    )
    parsed = parse_inbox(data)
    assert isinstance(parsed, InboxTranscript)
    speakers = [(s.speaker, s.text, s.is_user) for s in parsed.segments]
    assert speakers == [
        ("Ana", "Hello there", False),
        ("Me", "Hi Ana, how are you? still me, continuing", True),
        ("Dr. Who", "Fine", False),
    ]
    starts = [s.start for s in parsed.segments]
    assert starts[0] == 5.0 and starts[2] == 60.0
    assert all(s.end > s.start for s in parsed.segments)
    assert all(a.end <= b.start for a, b in zip(parsed.segments, parsed.segments[1:], strict=False))


def test_inbox_sends_each_file_once_then_moves_it(tmp_path: Path) -> None:
    inbox_dir = tmp_path / "Omi" / "Inbox"
    inbox_dir.mkdir(parents=True)
    (inbox_dir / "call.md").write_text("Ana: Hi\nMe: Hello\n")
    (inbox_dir / "idea.txt").write_text("Buy a kayak")
    (inbox_dir / "empty.md").write_text("\n")
    inbox = Inbox(tmp_path, "Omi/Inbox", zone=BERLIN, clock=lambda: 1_765_000_000.0)
    listing = inbox.pending()
    items = listing.items
    assert [i.path for i in items] == ["Omi/Inbox/call.md", "Omi/Inbox/idea.txt"]
    assert isinstance(items[0].payload, InboxTranscript)
    assert items[1].payload == InboxText("Buy a kayak")
    assert any("empty.md" in p for p in listing.problems)
    assert Inbox(tmp_path, "Omi/Inbox", zone=BERLIN).pending().items[0].key == items[0].key
    moved = inbox.mark_sent(items[0], SentConversation("conv-9"))
    assert moved == "Omi/Inbox/Sent/call.md"
    text = (tmp_path / moved).read_text()
    assert text.startswith("---\nomi_conversation: conv-9\nsent_to_omi: '2025-12-06T")
    assert text.endswith("---\nAna: Hi\nMe: Hello\n")
    assert [i.path for i in inbox.pending().items] == ["Omi/Inbox/idea.txt"]


def test_sent_marks_survive_an_interrupted_move_and_broken_frontmatter(tmp_path: Path) -> None:
    inbox_dir = tmp_path / "Omi" / "Inbox"
    inbox_dir.mkdir(parents=True)
    (inbox_dir / "broken.md").write_text("---\n: not yaml [\n---\nMe: Hi\nAna: Hello\n")
    (inbox_dir / "fine.md").write_text("Buy a kayak\n")
    (inbox_dir / "Sent").write_text("blocks the move")
    inbox = Inbox(tmp_path, "Omi/Inbox", zone=BERLIN, clock=lambda: 1_765_000_000.0)
    broken, fine = inbox.pending().items
    assert broken.sent is None and fine.sent is None
    for item, sent in (
        (broken, SentConversation("c1", discarded=True)),
        (fine, SentConversation("c2")),
    ):
        with pytest.raises(VaultWriteError, match="cannot be moved"):
            inbox.mark_sent(item, sent)
    assert (
        (inbox_dir / "broken.md")
        .read_text()
        .endswith(
            "Ana: Hello\n\nSent to Omi: conversation c1 (Omi discarded this conversation (it found "
            "nothing worth keeping), so it does not show in your conversations)\n"
        )
    )
    again = inbox.pending().items
    assert [item.sent for item in again] == [
        SentConversation("c1", discarded=True),
        SentConversation("c2"),
    ]
    (inbox_dir / "Sent").unlink()
    before = (inbox_dir / "fine.md").read_bytes()
    assert inbox.mark_sent(again[1], SentConversation("c2")) == "Omi/Inbox/Sent/fine.md"
    assert (tmp_path / "Omi/Inbox/Sent/fine.md").read_bytes() == before  # marks kept as they were


def test_a_sent_file_links_to_its_conversations_note_once_exported(tmp_path: Path) -> None:
    side = MarkdownSide(
        "vault", MarkdownOptions.parse({"path": str(tmp_path), "settle": 0}), zone=BERLIN
    )
    (tmp_path / "Omi" / "Inbox").mkdir(parents=True)
    (tmp_path / "Omi" / "Inbox" / "trip.md").write_text("Ana: May?\nMe: Early May.\n")
    (tmp_path / "Omi" / "Inbox" / "other.md").write_text("Buy a kayak\n")
    other, first = side.inbox_pending().items  # by name
    sent = side.inbox_mark_sent(first, SentConversation("conv-1"))
    side.inbox_mark_sent(other, SentConversation("conv-2"))
    other_before = (tmp_path / "Omi/Inbox/Sent/other.md").read_bytes()
    result = side.export_conversations([CONVERSATION])
    assert not result.problems
    link = "[[Omi/Conversations/2025-12-08 Planning the trip]]"
    text = (tmp_path / sent).read_text()
    assert f"conversation_note: '{link}'\n" in text and text.endswith(
        "---\nAna: May?\nMe: Early May.\n"
    )
    assert (tmp_path / (link[2:-2] + ".md")).exists()
    assert (tmp_path / "Omi/Inbox/Sent/other.md").read_bytes() == other_before  # not exported yet
    again = (tmp_path / sent).read_bytes()
    side.export_conversations([dataclasses.replace(CONVERSATION, title="Planning the trip!")])
    assert (tmp_path / sent).read_bytes() == again  # the note kept its name: the link holds


def test_inbox_files_being_edited_wait_and_are_counted(tmp_path: Path) -> None:
    inbox_dir = tmp_path / "Omi" / "Inbox"
    inbox_dir.mkdir(parents=True)
    (inbox_dir / "typing.md").write_text("Half a thought")
    (inbox_dir / "also.txt").write_text("Another")
    now = (inbox_dir / "typing.md").stat().st_mtime
    listing = Inbox(
        tmp_path, "Omi/Inbox", zone=BERLIN, settle_seconds=5, clock=lambda: now
    ).pending()
    assert listing.items == () and listing.problems == ()
    assert listing.notes == ("2 inbox files are being edited; sent next cycle",)
    later = Inbox(tmp_path, "Omi/Inbox", zone=BERLIN, settle_seconds=5, clock=lambda: now + 6)
    assert len(later.pending().items) == 2 and later.pending().notes == ()
