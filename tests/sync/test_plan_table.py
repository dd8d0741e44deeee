"""One example per row of the decision table (DESIGN §2), and per guard of plan()."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engine_fakes import CONNECTOR, link, note, snap, task

from omisync.sync import (
    ConflictPolicy,
    DeleteMode,
    DeletePolicy,
    Direction,
    Kind,
    KindOptions,
    LinkState,
    MaxDelete,
    Plan,
    Role,
    Snapshot,
    SyncOptions,
    plan,
)
from omisync.sync.links import Link

MILK = task("Buy milk", due="2025-03-01")


def run(
    omi: Snapshot,
    peer: Snapshot,
    links: list[Link] = (),  # type: ignore[assignment]
    **kind_options: object,
) -> Plan:
    options = SyncOptions(
        tasks=KindOptions(**kind_options),  # type: ignore[arg-type]
        notes=KindOptions(**kind_options),  # type: ignore[arg-type]
        timezone="Europe/Berlin",
    )
    return plan(omi, peer, links, options, connector=CONNECTOR)


def only_update(result: Plan) -> tuple[dict[str, object], dict[str, object]]:
    assert not result.creates and not result.deletes
    (update,) = result.updates
    return update.to_omi, update.to_peer


# --- both present --------------------------------------------------------------------------


def test_same_same_plans_nothing_at_all() -> None:
    result = run(snap({"o1": MILK}), snap({"p1": MILK}), [link("L1", "o1", "p1", MILK)])
    assert result == Plan(Kind.TASK, CONNECTOR)
    assert result.write_count == 0
    assert result.describe() == "tasks ⇄ vault: nothing to do"


def test_omi_changed_pushes_only_the_changed_fields_to_the_peer() -> None:
    done = {**MILK, "done": True}
    result = run(snap({"o1": done}), snap({"p1": MILK}), [link("L1", "o1", "p1", MILK)])
    assert only_update(result) == ({}, {"done": True})
    assert result.rebases == ()


def test_peer_changed_pulls_the_changed_fields_into_omi() -> None:
    moved = {**MILK, "due": "2025-03-02"}
    result = run(snap({"o1": MILK}), snap({"p1": moved}), [link("L1", "o1", "p1", MILK)])
    assert only_update(result) == ({"due": "2025-03-02"}, {})


def test_each_side_is_compared_with_its_own_base_never_with_the_other_side() -> None:
    # Omi holds the due as a noon instant, the peer as a date: different representations,
    # both unchanged against their own bases, so nothing is written.
    omi_base = task("Buy milk", due="2025-03-01T11:00:00Z")
    peer_base = task("Buy milk", due="2025-03-01T12:00:00")
    result = run(
        snap({"o1": omi_base}),
        snap({"p1": peer_base}),
        [link("L1", "o1", "p1", omi_base, peer_base)],
    )
    assert result.write_count == 0 and result.rebases == ()


def test_both_changed_different_fields_are_merged_field_by_field() -> None:
    omi_now = {**MILK, "text": "Buy oat milk"}
    peer_now = {**MILK, "done": True}
    result = run(snap({"o1": omi_now}), snap({"p1": peer_now}), [link("L1", "o1", "p1", MILK)])
    assert only_update(result) == ({"done": True}, {"text": "Buy oat milk"})
    assert result.conflicts == ()


def test_both_changed_the_same_field_to_the_same_value_writes_nothing_and_rebases() -> None:
    now = {**MILK, "done": True}
    result = run(snap({"o1": now}), snap({"p1": now}), [link("L1", "o1", "p1", MILK)])
    assert result.write_count == 0
    (rebased,) = result.rebases
    assert rebased.omi_base == now and rebased.peer_base == now


@pytest.mark.parametrize(
    ("policy", "to_omi", "to_peer"),
    [
        (ConflictPolicy.OMI, {}, {"text": "Buy oat milk"}),
        (ConflictPolicy.PEER, {"text": "Buy soy milk"}, {}),
    ],
)
def test_same_field_changed_differently_goes_by_the_policy(
    policy: ConflictPolicy, to_omi: dict[str, str], to_peer: dict[str, str]
) -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    result = run(
        snap({"o1": omi_now}),
        snap({"p1": peer_now}),
        [link("L1", "o1", "p1", MILK)],
        conflict=policy,
    )
    assert only_update(result) == (to_omi, to_peer)
    (conflict,) = result.conflicts
    assert (conflict.field, conflict.winner) == ("text", Role(policy.value))


@pytest.mark.parametrize(("omi_minute", "winner"), [(5, Role.OMI), (1, Role.PEER)])
def test_newest_policy_keeps_the_side_changed_last(omi_minute: int, winner: Role) -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    result = run(
        snap({"o1": omi_now}, modified={"o1": datetime(2025, 1, 1, 9, omi_minute, tzinfo=UTC)}),
        snap({"p1": peer_now}, modified={"p1": datetime(2025, 1, 1, 9, 3, tzinfo=UTC)}),
        [link("L1", "o1", "p1", MILK)],
        conflict=ConflictPolicy.NEWEST,
    )
    assert result.conflicts[0].winner is winner
    to_omi, to_peer = only_update(result)
    assert (to_peer if winner is Role.OMI else to_omi)["text"] in (
        omi_now["text"],
        peer_now["text"],
    )


def test_newest_policy_without_times_parks_the_pair() -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    result = run(
        snap({"o1": omi_now}),
        snap({"p1": peer_now}),
        [link("L1", "o1", "p1", MILK)],
        conflict=ConflictPolicy.NEWEST,
    )
    assert result.write_count == 0 and result.conflicts[0].winner is None


def test_manual_policy_parks_the_whole_pair_and_reports_it() -> None:
    omi_now = {**MILK, "text": "Buy oat milk", "done": True}
    peer_now = {**MILK, "text": "Buy soy milk"}
    result = run(snap({"o1": omi_now}), snap({"p1": peer_now}), [link("L1", "o1", "p1", MILK)])
    assert result.write_count == 0  # not even the uncontested "done" is written
    (parked,) = result.rebases
    assert parked.state is LinkState.CONFLICT
    assert parked.omi_base == MILK and parked.peer_base == MILK  # bases kept: nothing is lost
    assert parked.conflict == {"text": {"omi": "Buy oat milk", "peer": "Buy soy milk"}}
    assert "parked" in result.describe()


def test_a_parked_pair_unchanged_since_is_not_rewritten() -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    first = run(snap({"o1": omi_now}), snap({"p1": peer_now}), [link("L1", "o1", "p1", MILK)])
    again = run(snap({"o1": omi_now}), snap({"p1": peer_now}), list(first.rebases))
    assert again.rebases == () and len(again.conflicts) == 1


def test_a_parked_pair_resolves_once_the_user_makes_the_sides_agree() -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    parked = run(snap({"o1": omi_now}), snap({"p1": peer_now}), [link("L1", "o1", "p1", MILK)])
    result = run(snap({"o1": peer_now}), snap({"p1": peer_now}), list(parked.rebases))
    (resolved,) = result.rebases
    assert resolved.state is LinkState.LINKED and resolved.conflict is None
    assert resolved.omi_base == peer_now and result.write_count == 0


# --- one side gone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "mode"),
    [(DeletePolicy.DELETE, DeleteMode.DELETE), (DeletePolicy.COMPLETE, DeleteMode.COMPLETE)],
)
def test_omi_gone_peer_same_applies_the_delete_policy(
    policy: DeletePolicy, mode: DeleteMode
) -> None:
    result = run(
        snap({}, deleted={"o1"}),
        snap({"p1": MILK}),
        [link("L1", "o1", "p1", MILK)],
        on_delete=policy,
    )
    (delete,) = result.deletes
    assert (delete.target, delete.item_id, delete.mode) == (Role.PEER, "p1", mode)
    assert not result.creates and not result.updates


def test_peer_gone_omi_same_applies_the_delete_policy_to_omi() -> None:
    result = run(
        snap({"o1": MILK}),
        snap({}, deleted={"p1"}),
        [link("L1", "o1", "p1", MILK)],
        on_delete=DeletePolicy.DELETE,
    )
    (delete,) = result.deletes
    assert (delete.target, delete.item_id) == (Role.OMI, "o1")


def test_ignore_policy_keeps_the_survivor_and_tombstones_the_link() -> None:
    result = run(
        snap({}, deleted={"o1"}),
        snap({"p1": MILK}),
        [link("L1", "o1", "p1", MILK)],
        on_delete=DeletePolicy.IGNORE,
    )
    assert result.write_count == 0
    (tombstone,) = result.rebases
    assert (tombstone.omi_id, tombstone.peer_id) == (None, "p1")


def test_completing_an_already_done_survivor_needs_no_write() -> None:
    done = {**MILK, "done": True}
    result = run(snap({}, deleted={"o1"}), snap({"p1": done}), [link("L1", "o1", "p1", done)])
    assert result.write_count == 0 and result.rebases[0].omi_id is None


def test_a_note_cannot_be_completed_so_complete_keeps_it() -> None:
    memo = note("Likes tea")
    result = run(
        snap({}, kind=Kind.NOTE, deleted={"o1"}),
        snap({"p1": memo}, kind=Kind.NOTE),
        [link("L1", "o1", "p1", memo, kind=Kind.NOTE)],
    )
    assert result.deletes == () and result.rebases[0].omi_id is None


@pytest.mark.parametrize(
    ("kind", "done", "options", "key", "why"),
    [
        (Kind.NOTE, False, {}, "kept_peer", "on_delete: complete keeps notes and done tasks"),
        (Kind.TASK, True, {}, "kept_peer", "on_delete: complete keeps notes and done tasks"),
        (Kind.TASK, False, {"on_delete": DeletePolicy.IGNORE}, "ignored_peer", "ignore"),
        (Kind.NOTE, False, {"direction": Direction.TO_OMI}, "oneway_peer", "one way, into Omi"),
    ],
)
def test_a_survivor_kept_after_a_deletion_is_counted_and_said(
    kind: Kind, done: bool, options: dict[str, object], key: str, why: str
) -> None:
    item = note("Likes tea") if kind is Kind.NOTE else {**MILK, "done": done}
    result = run(
        snap({}, kind=kind, deleted={"o1"}),
        snap({"p1": item}, kind=kind, where={"p1": "Omi/Memories/Tea.md"}),
        [link("L1", "o1", "p1", item, kind=kind)],
        **options,
    )
    assert result.write_count == 0
    (keep,) = result.kept
    assert (keep.key, keep.survivor, keep.where) == (key, Role.PEER, "Omi/Memories/Tea.md")
    assert result.counts()[key] == 1 and result.rebases[0].omi_id is None
    words = result.describe()
    assert "1 keep in vault" in words and "(Omi/Memories/Tea.md): deleted in Omi; " in words
    assert why in words


def test_a_survivor_in_omi_is_kept_and_said_the_same_way() -> None:
    memo = note("Likes tea")
    result = run(
        snap({"o1": memo}, kind=Kind.NOTE),
        snap({}, kind=Kind.NOTE, deleted={"p1"}),
        [link("L1", "o1", "p1", memo, kind=Kind.NOTE)],
    )
    assert [keep.key for keep in result.kept] == ["kept_omi"]
    assert result.rebases[0].peer_id is None


def test_omi_gone_peer_changed_recreates_in_omi_and_relinks() -> None:
    edited = {**MILK, "text": "Buy more milk"}
    old = link("L1", "o1", "p1", MILK)
    result = run(snap({}, deleted={"o1"}), snap({"p1": edited}), [old])
    (create,) = result.creates
    assert (create.target, create.source_id, create.fields) == (Role.OMI, "p1", edited)
    assert create.link_id == "L1" and create.replaces == old
    assert result.deletes == ()


def test_peer_gone_omi_changed_recreates_on_the_peer() -> None:
    edited = {**MILK, "done": True}
    result = run(snap({"o1": edited}), snap({}, deleted={"p1"}), [link("L1", "o1", "p1", MILK)])
    (create,) = result.creates
    assert (create.target, create.source_id) == (Role.PEER, "o1")


def test_missing_but_not_known_deleted_is_left_alone() -> None:
    result = run(snap({}), snap({"p1": {**MILK, "done": True}}), [link("L1", "o1", "p1", MILK)])
    assert result.write_count == 0 and result.rebases == ()
    assert "not known to be deleted" in result.notices[0]


def test_an_incomplete_listing_deletes_nothing_even_what_it_says_is_deleted() -> None:
    result = run(
        snap({}, complete=False, deleted={"o1"}),
        snap({"p1": MILK}),
        [link("L1", "o1", "p1", MILK)],
        on_delete=DeletePolicy.DELETE,
    )
    assert result.deletes == () and result.rebases == ()


def test_gone_on_both_sides_forgets_the_link() -> None:
    result = run(snap({}, deleted={"o1"}), snap({}, deleted={"p1"}), [link("L1", "o1", "p1", MILK)])
    assert result.forgets == ("L1",) and result.write_count == 0


def test_a_tombstone_with_an_unchanged_survivor_plans_nothing() -> None:
    result = run(snap({}), snap({"p1": MILK}), [link("L1", None, "p1", MILK)])
    assert result == Plan(Kind.TASK, CONNECTOR)


def test_a_tombstone_whose_survivor_is_edited_recreates_the_deleted_item() -> None:
    reopened = {**MILK, "text": "Buy milk today"}
    result = run(snap({}), snap({"p1": reopened}), [link("L1", None, "p1", MILK)])
    (create,) = result.creates
    assert (create.target, create.link_id, create.source_id) == (Role.OMI, "L1", "p1")


def test_a_tombstone_with_the_other_side_gone_too_is_forgotten() -> None:
    result = run(snap({}), snap({}, deleted={"p1"}), [link("L1", None, "p1", MILK)])
    assert result.forgets == ("L1",)


# --- unlinked items ------------------------------------------------------------------------


def test_new_items_are_matched_by_normalised_text_and_due_day_before_creating() -> None:
    omi = snap({"o1": task("Buy  MILK ", due="2025-03-01T11:00:00Z"), "o2": task("Call mum")})
    peer = snap({"p1": task("buy milk", due="2025-03-01"), "p2": task("Water plants")})
    result = run(omi, peer)
    (match,) = result.matches
    assert (match.omi_id, match.peer_id, match.state) == ("o1", "p1", LinkState.LINKED)
    assert match.omi_base == omi.items["o1"] and match.peer_base == peer.items["p1"]
    created = {(c.target, c.source_id) for c in result.creates}
    assert created == {(Role.PEER, "o2"), (Role.OMI, "p2")}
    assert result.updates == ()


def test_a_different_due_day_is_not_a_match() -> None:
    result = run(snap({"o1": task("Buy milk", due="2025-03-01")}), snap({"p1": task("Buy milk")}))
    assert result.matches == () and len(result.creates) == 2


def test_matching_pairs_duplicates_one_to_one() -> None:
    result = run(snap({"o1": task("A"), "o2": task("A")}), snap({"p1": task("A")}))
    assert [(m.omi_id, m.peer_id) for m in result.matches] == [("o1", "p1")]
    assert [(c.target, c.source_id) for c in result.creates] == [(Role.PEER, "o2")]


def test_a_matched_pair_differing_in_other_fields_is_merged_by_policy() -> None:
    result = run(
        snap({"o1": task("A", done=True)}), snap({"p1": task("A")}), conflict=ConflictPolicy.OMI
    )
    (match,) = result.matches
    assert only_update(result) == ({}, {"done": True})
    assert result.updates[0].link == match


def test_a_matched_pair_differing_under_manual_is_linked_but_parked() -> None:
    result = run(snap({"o1": task("A", done=True)}), snap({"p1": task("A")}))
    (match,) = result.matches
    assert match.state is LinkState.CONFLICT and result.write_count == 0


def test_completed_unlinked_items_are_not_copied_unless_asked() -> None:
    omi, peer = snap({"o1": task("Old", done=True)}), snap({})
    assert run(omi, peer).creates == ()
    assert len(run(omi, peer, create_completed=True).creates) == 1


def test_creates_get_distinct_stable_link_ids() -> None:
    omi, peer = snap({"o1": task("A"), "o2": task("B")}), snap({"p1": task("C")})
    first, second = run(omi, peer), run(omi, peer)
    ids = [c.link_id for c in first.creates]
    assert len(set(ids)) == 3 and ids == [c.link_id for c in second.creates]


def test_a_survivor_is_matched_again_when_its_partner_reappears() -> None:
    memo = note("Likes tea")
    tombstone = link("L1", None, "p1", memo, kind=Kind.NOTE)
    result = run(
        snap({"o9": memo}, kind=Kind.NOTE), snap({"p1": memo}, kind=Kind.NOTE), [tombstone]
    )
    (match,) = result.matches
    assert (match.link_id, match.omi_id, match.peer_id) == ("L1", "o9", "p1")
    assert result.creates == ()


def test_an_unmatched_survivor_is_not_copied_again() -> None:
    result = run(snap({}), snap({"p1": MILK}), [link("L1", None, "p1", MILK)])
    assert result.creates == ()


def test_no_create_into_a_side_whose_listing_was_incomplete() -> None:
    result = run(snap({}, complete=False), snap({"p1": task("New")}))
    assert result.creates == ()
    assert "incomplete" in result.notices[0]


# --- guards --------------------------------------------------------------------------------


def test_a_note_longer_than_omi_accepts_is_refused_never_truncated() -> None:
    long_note = note("x" * 501)
    result = run(
        snap({}, kind=Kind.NOTE, max_text_length=500), snap({"p1": long_note}, kind=Kind.NOTE)
    )
    assert result.creates == ()
    (refusal,) = result.refusals
    assert (refusal.side, refusal.item_id) == (Role.PEER, "p1")
    assert "501 characters" in refusal.reason and "at most 500" in refusal.reason


def test_refusals_conflicts_and_actions_name_the_items_place() -> None:
    long_note = note("x" * 501)
    result = run(
        snap({}, kind=Kind.NOTE, max_text_length=500),
        snap({"p1": long_note}, kind=Kind.NOTE, where={"p1": "Omi/Memories/Long.md"}),
    )
    (refusal,) = result.refusals
    assert refusal.where == "Omi/Memories/Long.md"
    assert "✗ refused Omi/Memories/Long.md: " in result.describe()
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    parked = run(
        snap({"o1": omi_now}),
        snap({"p1": peer_now, "p2": task("Call mum")}, where={"p1": "Tasks.md:3", "p2": "a.md:1"}),
        [link("L1", "o1", "p1", MILK)],
    )
    assert parked.conflicts[0].where == "Tasks.md:3"
    words = parked.describe()
    assert '! conflict "Buy oat milk" (Tasks.md:3) field text' in words
    assert '+ Omi   create  "Call mum" (a.md:1)' in words


def test_an_edit_too_long_for_the_other_side_refuses_the_whole_update() -> None:
    memo = note("Likes tea", tags=["a"])
    omi_now = {**memo, "tags": ["a", "b"]}
    peer_now = {**memo, "text": "y" * 600}
    result = run(
        snap({"o1": omi_now}, kind=Kind.NOTE, max_text_length=500),
        snap({"p1": peer_now}, kind=Kind.NOTE),
        [link("L1", "o1", "p1", memo, kind=Kind.NOTE)],
    )
    assert result.updates == () and result.rebases == ()
    assert result.refusals[0].link_id == "L1"


def test_two_notes_with_one_text_make_one_memory_and_the_other_is_refused() -> None:
    omi = snap({}, kind=Kind.NOTE, one_item_per_text=True)
    peer = snap({"p1": note("Likes tea"), "p2": note("Likes tea ", tags=["x"])}, kind=Kind.NOTE)
    result = run(omi, peer)
    (create,) = result.creates
    (refusal,) = result.refusals
    assert {create.source_id, refusal.item_id} == {"p1", "p2"}
    assert "same text as another note" in refusal.reason


def test_a_copy_of_a_linked_note_is_refused_not_merged_into_its_memory() -> None:
    memo = note("Likes tea")
    result = run(
        snap({"o1": memo}, kind=Kind.NOTE, one_item_per_text=True),
        snap({"p1": memo, "p2": note("Likes tea", category="work")}, kind=Kind.NOTE),
        [link("L1", "o1", "p1", memo, kind=Kind.NOTE)],
    )
    assert result.creates == () and result.updates == ()
    assert [(r.side, r.item_id) for r in result.refusals] == [(Role.PEER, "p2")]


def test_two_tasks_with_one_text_are_two_tasks() -> None:
    result = run(snap({}), snap({"p1": task("Call mum"), "p2": task("Call mum")}))
    assert sorted(c.source_id for c in result.creates) == ["p1", "p2"]


def test_an_item_without_text_is_refused() -> None:
    result = run(snap({}), snap({"p1": task("")}))
    assert result.creates == () and "no text" in result.refusals[0].reason


def test_max_delete_holds_back_every_deletion_and_says_how_to_confirm() -> None:
    tasks = {f"o{i}": task(f"T{i}") for i in range(10)}
    links = [link(f"L{i}", f"o{i}", f"p{i}", tasks[f"o{i}"]) for i in range(10)]
    peer = snap({f"p{i}": tasks[f"o{i}"] for i in range(10)})
    omi = snap({k: v for k, v in tasks.items() if k >= "o3"}, deleted={"o0", "o1", "o2"})
    options = SyncOptions(max_delete=MaxDelete(count=2, percent=50))
    held = plan(omi, peer, links, options, connector=CONNECTOR)
    assert held.deletes == () and len(held.refusals) == 3
    assert "--confirm-deletes" in held.notices[0] and "--confirm-deletes" in held.describe()
    confirmed = SyncOptions(max_delete=MaxDelete(count=2, percent=50), confirm_deletes=True)
    assert len(plan(omi, peer, links, confirmed, connector=CONNECTOR).deletes) == 3
    within = SyncOptions(max_delete=MaxDelete(count=3, percent=50))
    assert len(plan(omi, peer, links, within, connector=CONNECTOR).deletes) == 3


def test_max_delete_percent_rounds_up_so_one_of_one_may_go() -> None:
    assert MaxDelete(count=25, percent=50).allowed(1) == 1
    assert MaxDelete(count=25, percent=50).allowed(10) == 5
    assert MaxDelete(count=3, percent=50).allowed(100) == 3


# --- directions ----------------------------------------------------------------------------


def test_to_omi_never_writes_the_peer_and_accepts_omi_edits_as_they_are() -> None:
    omi_now = {**MILK, "text": "Buy oat milk"}
    result = run(
        snap({"o1": omi_now, "o2": task("Only in Omi")}),
        snap({"p1": MILK}),
        [link("L1", "o1", "p1", MILK)],
        direction=Direction.TO_OMI,
    )
    assert result.write_count == 0
    assert result.rebases[0].omi_base == omi_now


def test_to_omi_lets_the_peer_win_a_conflict_whatever_the_policy() -> None:
    omi_now, peer_now = {**MILK, "text": "Buy oat milk"}, {**MILK, "text": "Buy soy milk"}
    result = run(
        snap({"o1": omi_now}),
        snap({"p1": peer_now}),
        [link("L1", "o1", "p1", MILK)],
        direction=Direction.TO_OMI,
        conflict=ConflictPolicy.OMI,
    )
    assert only_update(result) == ({"text": "Buy soy milk"}, {})


def test_from_omi_deletes_on_the_peer_even_if_the_peer_edited() -> None:
    result = run(
        snap({}, deleted={"o1"}),
        snap({"p1": {**MILK, "done": True}}),
        [link("L1", "o1", "p1", MILK)],
        direction=Direction.FROM_OMI,
        on_delete=DeletePolicy.DELETE,
    )
    assert [d.target for d in result.deletes] == [Role.PEER] and result.creates == ()


def test_from_omi_does_not_copy_peer_items_into_omi() -> None:
    result = run(snap({}), snap({"p1": task("New")}), direction=Direction.FROM_OMI)
    assert result.creates == ()


def test_off_plans_nothing() -> None:
    result = run(snap({"o1": task("A")}), snap({}), direction=Direction.OFF)
    assert result == Plan(Kind.TASK, CONNECTOR)


def test_a_link_of_another_connector_is_a_caller_bug() -> None:
    stranger = Link.new(
        "L1", "todoist", Kind.TASK, omi_id="o1", peer_id="p1", omi_base=MILK, peer_base=MILK
    )
    with pytest.raises(ValueError, match="todoist task link"):
        run(snap({}), snap({}), [stranger])


def test_describe_lists_every_action_in_words() -> None:
    result = run(
        snap({"o1": {**MILK, "done": True}, "o2": task("Call mum")}, max_text_length=500),
        snap({"p1": MILK, "p2": task("z" * 501)}),
        [link("L1", "o1", "p1", MILK)],
    )
    words = result.describe()
    assert words.startswith("tasks ⇄ vault: 1 create in vault, 1 update in vault, 1 refused")
    assert '+ vault create  "Call mum"' in words
    assert '~ vault update  "Buy milk": done → true' in words
    assert "501 characters" in words
    assert result.describe(verbose=False).count("\n") == 0


def test_an_item_moved_on_the_peer_is_relinked_not_deleted_and_recreated() -> None:
    # A vault line moved to another file and lost its anchor: its old id is gone and an
    # unlinked item with the same text appeared. Relinking beats delete + create.
    result = run(
        snap({"o1": MILK}),
        snap({"p9": MILK}, deleted={"p1"}),
        [link("L1", "o1", "p1", MILK)],
        on_delete=DeletePolicy.DELETE,
    )
    (match,) = result.matches
    assert (match.link_id, match.omi_id, match.peer_id) == ("L1", "o1", "p9")
    assert result.write_count == 0
