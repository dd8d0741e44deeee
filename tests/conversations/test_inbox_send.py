"""Vault inbox → Omi: every file becomes exactly one conversation, crash or not."""

from __future__ import annotations

import pytest
import yaml
from conversation_rig import CONNECTOR, Crash, Rig, crash_at

from omisync.emulator.identity import session_conversation_id
from omisync.state import JournalStatus

TEXT = "Notes from the hardware store: the oak boards, brass hinges and wood glue are in stock."
TRANSCRIPT = (
    "Ana: Shall we repaint the kitchen walls in spring?\n"
    "Me: Yes, a warm yellow would brighten the mornings.\n"
    "Ana: Then we compare paint samples on Saturday.\n"
)


def _front(text: str) -> dict[str, object]:
    front = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(front, dict)
    return front


def _posts(rig: Rig) -> list[str]:
    return [r["path"] for r in rig.requests() if r["method"] == "POST"]


def _journal(rig: Rig) -> list[JournalStatus]:
    return [e.status for e in rig.state.journal.entries(CONNECTOR) if e.kind == "conversation"]


def test_a_text_file_becomes_one_conversation_and_is_moved_aside_with_a_link(rig: Rig) -> None:
    rig.drop("store.md", TEXT)
    report = rig.run()
    assert report.done["sent"] == 1 and report.errors == []
    [stored] = rig.stored()
    assert stored["source"] == "external_integration" and not stored["discarded"]
    assert rig.inbox_files() == []
    sent = rig.sent("store.md")
    assert _front(sent)["omi_conversation"] == stored["id"]
    assert sent.endswith(f"---\n{TEXT}")
    assert _journal(rig) == [JournalStatus.DONE]
    rig.clear_requests()
    assert rig.run().done["sent"] == 0
    assert rig.writes() == 0


def test_a_transcript_is_sent_as_segments_under_its_key(rig: Rig) -> None:
    rig.drop("kitchen.md", TRANSCRIPT)
    rig.run()
    [stored] = rig.stored()
    [entry] = rig.state.journal.entries(CONNECTOR)
    assert entry.stamp is not None
    assert stored["id"] == session_conversation_id("emulator-user", entry.stamp)
    segments = [(s["speaker"], s["is_user"], s["text"]) for s in stored["transcript_segments"]]
    assert segments == [
        ("SPEAKER_00", False, "Shall we repaint the kitchen walls in spring?"),
        ("SPEAKER_01", True, "Yes, a warm yellow would brighten the mornings."),
        ("SPEAKER_00", False, "Then we compare paint samples on Saturday."),
    ]
    assert _front(rig.sent("kitchen.md"))["omi_conversation"] == stored["id"]


def test_a_discarded_conversation_is_reported_and_the_file_still_moved(rig: Rig) -> None:
    rig.drop("hi.md", "ok thanks, bye")
    report = rig.run()
    assert report.done["sent"] == 1 and report.done["discarded"] == 1
    assert report.errors == [] and "discarded" in report.notes[0]
    [stored] = rig.stored()
    assert stored["discarded"]
    front = _front(rig.sent("hi.md"))
    assert front["omi_conversation"] == stored["id"] and front["omi_discarded"] is True
    assert "discarded" in str(front["omi_note"])


def test_a_file_omi_refuses_waits_until_it_is_edited(rig: Rig) -> None:
    path = rig.drop("huge.txt", "word " * 20_001)
    report = rig.run()
    assert report.done["sent"] == 0 and "huge.txt" in report.errors[0]
    assert "edit the file" in report.errors[0]
    [refusal] = rig.state.refusals.all(CONNECTOR)
    assert refusal.item_id == "Omi/Inbox/huge.txt" and refusal.kind == "conversation"
    rig.clear_requests()
    again = rig.run()
    assert rig.writes() == 0 and "huge.txt" in again.errors[0]
    path.write_text(TEXT)
    assert rig.run().done["sent"] == 1
    assert rig.state.refusals.all(CONNECTOR) == [] and rig.inbox_files() == []


@pytest.mark.parametrize("content", [TEXT, TRANSCRIPT], ids=["text", "transcript"])
def test_a_crash_right_after_the_post_never_sends_twice(rig: Rig, content: str) -> None:
    rig.drop("note.md", content)
    with pytest.raises(Crash):
        rig.run(checkpoint=crash_at("sent"))
    [created] = rig.stored()
    assert rig.inbox_files() == ["note.md"] and _journal(rig) == [JournalStatus.PENDING]
    report = rig.run()
    assert report.done["recovered"] == 1 and report.errors == []
    assert [row["id"] for row in rig.stored()] == [created["id"]]
    assert _front(rig.sent("note.md"))["omi_conversation"] == created["id"]
    assert _journal(rig) == [JournalStatus.DONE]


def test_a_crash_before_the_post_sends_it_on_the_next_run(rig: Rig) -> None:
    rig.drop("note.md", TEXT)
    with pytest.raises(Crash):
        rig.run(checkpoint=crash_at("intended"))
    assert rig.stored() == []
    report = rig.run()
    assert report.done["sent"] == 1 and report.done["recovered"] == 0
    assert len(rig.stored()) == 1
    assert _journal(rig) == [JournalStatus.FAILED, JournalStatus.DONE]


def test_two_texts_of_one_run_are_told_apart_after_a_crash(rig: Rig) -> None:
    rig.drop("a.md", TEXT)
    rig.drop("b.md", TEXT.replace("oak", "pine"))
    with pytest.raises(Crash):
        rig.run(checkpoint=crash_at("sent", after=1))  # a.md done, b.md posted, then crash
    starts = [e.payload["started_at"] for e in rig.state.journal.entries(CONNECTOR)]
    assert len(set(starts)) == 2
    report = rig.run()
    assert report.done["recovered"] == 1
    links = {_front(rig.sent(name))["omi_conversation"] for name in ("a.md", "b.md")}
    assert links == {row["id"] for row in rig.stored()} and len(links) == 2


def test_an_unknown_outcome_is_checked_before_sending_again(rig: Rig) -> None:
    rig.drop("a.md", TEXT)
    rig.drop("b.md", TEXT.replace("oak", "pine"))
    rig.emulator.set_faults(fail_next=1, path_contains="/conversations")
    report = rig.run()
    assert report.done["sent"] == 0 and "checked before it is sent again" in report.errors[0]
    assert rig.inbox_files() == ["a.md", "b.md"]  # the pass stopped at the first failure
    assert _journal(rig) == [JournalStatus.PENDING]
    rig.emulator.clear_faults()
    report = rig.run()
    assert report.done["sent"] == 2 and report.errors == []
    assert len(rig.stored()) == 2 and rig.inbox_files() == []


def test_a_file_that_cannot_be_moved_is_moved_later_and_not_sent_again(rig: Rig) -> None:
    rig.drop("note.md", TEXT)
    (rig.vault / "Omi" / "Inbox" / "Sent").write_text("a file where the folder should be")
    report = rig.run()
    assert report.done["sent"] == 1 and "never sent again" in report.errors[0]
    (rig.vault / "Omi" / "Inbox" / "Sent").unlink()
    rig.clear_requests()
    report = rig.run()
    assert report.errors == [] and rig.writes() == 0
    [stored] = rig.stored()
    assert _front(rig.sent("note.md"))["omi_conversation"] == stored["id"]


def test_a_file_that_says_it_was_sent_is_only_moved(rig: Rig) -> None:
    rig.drop("note.md", f"---\nomi_conversation: abc\nsent_to_omi: '2025-01-01'\n---\n{TEXT}")
    report = rig.run()
    assert report.done["sent"] == 0 and report.errors == []
    assert rig.writes() == 0 and rig.inbox_files() == []
    assert _front(rig.sent("note.md"))["omi_conversation"] == "abc"


def test_a_refused_key_stops_the_pass_and_sends_nothing(rig: Rig) -> None:
    rig.drop("note.md", TEXT)
    report = rig.run(client=rig.make_client("omi_dev_" + "0" * 32))
    assert report.done["sent"] == 0 and "note.md: not sent" in report.errors[0]
    assert rig.stored() == [] and rig.inbox_files() == ["note.md"]
    assert rig.run().done["sent"] == 1


def test_a_dry_run_counts_what_it_would_send_and_sends_nothing(rig: Rig) -> None:
    rig.drop("note.md", TEXT)
    rig.drop("empty.md", "\n")
    report = rig.run(dry_run=True)
    assert report.done["would_send"] == 1 and any("empty.md" in e for e in report.errors)
    assert rig.stored() == [] and rig.writes() == 0
    assert rig.state.journal.entries(CONNECTOR) == []
