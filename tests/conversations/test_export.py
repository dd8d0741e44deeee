"""Omi → vault: conversation notes, regenerated only when the conversation changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversation_rig import CONVERSATIONS, Rig, conversation

from omisync.sync.options import Direction

DAY = timedelta(days=1)


def _gets(rig: Rig) -> list[str]:
    requests = rig.requests()
    assert all(r["method"] == "GET" for r in requests), requests
    return [r["path"] for r in requests]


def test_the_first_run_exports_every_conversation_with_its_transcript(rig: Rig) -> None:
    rig.seed(*(conversation(f"Meeting {n}", age=n * DAY) for n in range(30)))
    report = rig.run()
    assert report.done["exported"] == 30 and report.errors == []
    notes = rig.notes()
    assert len(notes) == 30
    [note] = [text for name, text in notes.items() if name.endswith("Meeting 3.md")]
    assert "# 🗓️ Meeting 3" in note and "About meeting 3." in note
    assert "> **Speaker 1** (00:00): Hello there\n> **User** (00:02): Hi\n" in note


def test_an_unchanged_account_reads_a_short_window_and_writes_nothing(rig: Rig) -> None:
    rig.seed(*(conversation(f"Meeting {n}", age=n * DAY) for n in range(60)))
    rig.run()
    before = {p: p.stat().st_mtime_ns for p in (rig.vault / CONVERSATIONS).iterdir()}
    rig.clear_requests()
    report = rig.run()
    assert report.done["exported"] == 0 and report.errors == []
    # A full listing with transcripts takes 4 pages (25 each) here; the window takes one
    # page (the last two days), the empty page after it and the empty look-ahead page that
    # confirms the end.
    assert len(_gets(rig)) == 3
    assert {p: p.stat().st_mtime_ns for p in (rig.vault / CONVERSATIONS).iterdir()} == before


def test_a_changed_recent_conversation_is_regenerated_and_user_text_survives(rig: Rig) -> None:
    [recent, _old] = rig.seed(
        conversation("Standup", age=DAY / 2), conversation("Planning", age=3 * DAY)
    )
    rig.run()
    [path] = (rig.vault / CONVERSATIONS).glob("*Standup.md")
    path.write_text(path.read_text() + "\nMy own notes.\n")
    rig.client.conversations.update(recent, title="Standup with Ana")
    report = rig.run()
    assert report.done["exported"] == 1
    text = path.read_text()
    assert "# 🗓️ Standup with Ana" in text and text.endswith("\nMy own notes.\n")


def test_an_old_conversation_changed_is_caught_by_the_next_sweep(rig: Rig) -> None:
    now = datetime.now(UTC)
    [old, _recent] = rig.seed(
        conversation("Old talk", age=20 * DAY, now=now), conversation("New talk", age=DAY, now=now)
    )
    rig.run(now=now)
    rig.client.conversations.update(old, title="Old talk, renamed")
    assert rig.run(now=now + timedelta(hours=1)).done["exported"] == 0  # outside the window
    rig.clear_requests()
    report = rig.run(now=now + timedelta(hours=13))
    assert report.done["exported"] == 1
    [note] = [text for name, text in rig.notes().items() if "Old talk" in name]
    assert "# 🗓️ Old talk, renamed" in note
    by_id = [path for path in _gets(rig) if path.endswith(old)]
    assert by_id == [f"/v1/dev/user/conversations/{old}"]  # only the changed one, by id


def test_a_note_that_cannot_be_written_is_retried_until_it_can(rig: Rig) -> None:
    [cid] = rig.seed(conversation("Review", age=5 * DAY))
    rig.run()
    [path] = (rig.vault / CONVERSATIONS).glob("*Review.md")
    intact = path.read_text()
    path.write_text(intact.replace("<!-- omisync:end -->", ""))
    rig.client.conversations.update(cid, title="Review of Q3")
    report = rig.run(now=datetime.now(UTC) + timedelta(hours=13))  # a sweep finds the change
    assert report.done["exported"] == 0
    assert any("damaged" in error for error in report.errors)
    path.write_text(intact)
    # Not a sweep this time: the failed conversation held the watermark back, so the window
    # still covers it.
    report = rig.run(now=datetime.now(UTC) + timedelta(hours=14))
    assert report.done["exported"] == 1 and report.errors == []
    assert "# 🗓️ Review of Q3" in path.read_text()


def test_a_dry_run_counts_what_it_would_export_and_writes_nothing(rig: Rig) -> None:
    rig.seed(conversation("Lunch", age=DAY), conversation("Call", age=2 * DAY))
    report = rig.run(dry_run=True)
    assert report.done["would_export"] == 2 and report.done["exported"] == 0
    assert report.describe() == "conversations: would export 2 conversation(s) from Omi"
    assert rig.notes() == {}
    assert rig.state.cursors.all("vault", "conversation") == {}
    assert rig.run().done["exported"] == 2


def test_the_direction_decides_which_flows_run(rig: Rig) -> None:
    rig.seed(conversation("Lunch", age=DAY))
    rig.drop("idea.md", "A long idea about gardening, compost, and raised vegetable beds.")
    report = rig.run(Direction.TO_OMI)
    assert report.done["sent"] == 1 and rig.notes() == {}
    rig.drop("idea2.md", "Another idea about bicycles, trailers and weekend camping trips.")
    report = rig.run(Direction.FROM_OMI)
    assert report.done["sent"] == 0 and rig.inbox_files() == ["idea2.md"]
    assert report.done["exported"] == 2  # Lunch, and the conversation made of idea.md
    assert rig.run(Direction.BOTH).done["sent"] == 1
