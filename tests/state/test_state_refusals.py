"""Refusals: recorded with a reason, refreshed, cleared when resolved, listed for status."""

from __future__ import annotations

from omisync.state import SideName, StateDB

TOO_LONG = "note is 612 characters; Omi accepts at most 500 (shorten it, it is never truncated)"


def test_a_refusal_is_listed_with_its_reason_and_times(state: StateDB) -> None:
    state.refusals.record("markdown", "note", SideName.PEER, "Notes/long.md", TOO_LONG)

    [refusal] = state.refusals.all()
    assert (refusal.connector, refusal.kind, refusal.side, refusal.item_id, refusal.reason) == (
        "markdown",
        "note",
        SideName.PEER,
        "Notes/long.md",
        TOO_LONG,
    )
    assert refusal.first_seen == refusal.last_seen


def test_recording_again_keeps_first_seen_and_updates_reason_and_last_seen(
    state: StateDB,
) -> None:
    state.refusals.record("markdown", "note", SideName.PEER, "n.md", "old reason")
    state.refusals.record("markdown", "note", SideName.PEER, "n.md", TOO_LONG)

    [refusal] = state.refusals.all("markdown")
    assert refusal.reason == TOO_LONG
    assert refusal.last_seen > refusal.first_seen


def test_clear_forgets_one_refusal(state: StateDB) -> None:
    state.refusals.record("markdown", "note", SideName.PEER, "a.md", TOO_LONG)
    state.refusals.record("markdown", "note", SideName.OMI, "a.md", TOO_LONG)

    assert state.refusals.clear("markdown", "note", SideName.PEER, "a.md") is True
    assert state.refusals.clear("markdown", "note", SideName.PEER, "a.md") is False
    assert [r.side for r in state.refusals.all()] == [SideName.OMI]


def test_replace_keeps_the_current_refusals_and_clears_the_resolved_ones(
    state: StateDB,
) -> None:
    state.refusals.record("markdown", "note", SideName.PEER, "still.md", TOO_LONG)
    state.refusals.record("markdown", "note", SideName.PEER, "fixed.md", TOO_LONG)
    state.refusals.record("markdown", "task", SideName.PEER, "other-kind.md", TOO_LONG)
    state.refusals.record("notion", "note", SideName.PEER, "other-connector", TOO_LONG)
    [first] = [r for r in state.refusals.all() if r.item_id == "still.md"]

    state.refusals.replace(
        "markdown",
        "note",
        {(SideName.PEER, "still.md"): TOO_LONG, (SideName.OMI, "mem-9"): "empty memory"},
    )

    current = {(r.connector, r.kind, r.side, r.item_id) for r in state.refusals.all()}
    assert current == {
        ("markdown", "note", SideName.PEER, "still.md"),
        ("markdown", "note", SideName.OMI, "mem-9"),
        ("markdown", "task", SideName.PEER, "other-kind.md"),
        ("notion", "note", SideName.PEER, "other-connector"),
    }
    [still] = [r for r in state.refusals.all() if r.item_id == "still.md"]
    assert still.first_seen == first.first_seen


def test_replace_with_nothing_clears_every_refusal_of_that_connector_and_kind(
    state: StateDB,
) -> None:
    state.refusals.record("markdown", "note", SideName.PEER, "a.md", TOO_LONG)
    state.refusals.replace("markdown", "note", {})
    assert state.refusals.all() == []
