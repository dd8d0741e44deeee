"""OmiSide.create against the Omi emulator: one batch call per create, refused drafts answered
alone, action-item creates never repeated, memory ids derived from content."""

from __future__ import annotations

import pytest
from omi_side_helpers import ZONE, MakeClient, note, requests, task

from omisync.emulator import RunningEmulator
from omisync.omi import MEMORY_CATEGORIES
from omisync.omi_side import OmiSide
from omisync.sync.links import Kind
from omisync.sync.side import Failed, ItemRejectedError, SideError, TransientError, Written


def _written(outcomes: list[object]) -> list[Written]:
    assert all(isinstance(outcome, Written) for outcome in outcomes), outcomes
    return [outcome for outcome in outcomes if isinstance(outcome, Written)]


def test_fifty_tasks_are_created_in_one_batch_call_and_held_as_listed(
    emu: RunningEmulator, side: OmiSide
) -> None:
    assert side.batch_size(Kind.TASK) == 50
    drafts = [
        task(f"task {n}", done=n % 3 == 0, due=None if n % 2 else f"2025-03-{n % 28 + 1:02d}")
        for n in range(50)
    ]

    written = _written(side.create(Kind.TASK, drafts))

    assert len(requests(emu, "POST", "/action-items/batch")) == 1
    assert len(requests(emu, "POST")) == 1
    assert len({w.item_id for w in written}) == 50
    assert [w.held for w in written] == [d.fields for d in drafts]
    listed = side.snapshot(Kind.TASK).items
    assert {w.item_id: w.held for w in written} == listed


def test_drafts_omi_would_refuse_fail_alone_and_the_rest_is_created(
    emu: RunningEmulator, side: OmiSide
) -> None:
    drafts = [
        task("fine"),
        task("   ", stamp="blank"),
        task("x" * 501, stamp="long"),
        task("bad due", due="next tuesday"),
        task("also fine", due="2025-05-01"),
    ]

    outcomes = side.create(Kind.TASK, drafts)

    assert [type(outcome) for outcome in outcomes] == [Written, Failed, Failed, Failed, Written]
    failures = [outcome for outcome in outcomes if isinstance(outcome, Failed)]
    assert all(f.item_id is None and isinstance(f.error, ItemRejectedError) for f in failures)
    assert "empty" in str(failures[0].error)
    assert "501 characters" in str(failures[1].error)
    assert "next tuesday" in str(failures[2].error)
    assert sorted(row["description"] for row in emu.records()["action_items"]) == [
        "also fine",
        "fine",
    ]


def test_when_every_draft_is_refused_nothing_is_sent(emu: RunningEmulator, side: OmiSide) -> None:
    outcomes = side.create(Kind.NOTE, [note(""), note("z" * 600)])

    assert all(isinstance(o, Failed) for o in outcomes)
    assert requests(emu, "POST") == []


@pytest.mark.parametrize("fault", [{"fail_next": 1}, {"drop_next": 1}])
def test_a_failed_action_item_batch_raises_and_is_never_sent_twice(
    emu: RunningEmulator, make_client: MakeClient, fault: dict[str, int]
) -> None:
    side = OmiSide(make_client(attempts=4), timezone=ZONE)
    emu.set_faults(path_contains="/action-items/batch", **fault)

    with pytest.raises(TransientError) as raised:
        side.create(Kind.TASK, [task("call the bank"), task("pay rent")])

    assert raised.value.side == "omi"
    assert "creating Omi action items (2 in one call) failed" in str(raised.value)
    assert len(requests(emu, "POST", "/action-items/batch")) == 1


def test_twenty_five_memories_are_created_in_one_batch_call(
    emu: RunningEmulator, side: OmiSide
) -> None:
    assert side.batch_size(Kind.NOTE) == 25
    drafts = [note(f"fact {n}", category="interesting", tags=[f"t{n}"]) for n in range(25)]

    written = _written(side.create(Kind.NOTE, drafts))

    assert len(requests(emu, "POST", "/memories/batch")) == 1
    assert [w.held for w in written] == [d.fields for d in drafts]
    assert {w.item_id: w.held for w in written} == side.snapshot(Kind.NOTE).items


def test_a_memory_create_that_fails_once_is_safely_sent_again(
    emu: RunningEmulator, side: OmiSide
) -> None:
    emu.set_faults(path_contains="/memories/batch", fail_next=1)

    written = _written(side.create(Kind.NOTE, [note("Likes green tea", category="system")]))

    assert len(requests(emu, "POST", "/memories/batch")) == 2
    assert len(emu.records()["memories"]) == 1
    assert written[0].held == note("Likes green tea", category="system").fields


def test_creating_existing_memory_content_answers_the_existing_memory(
    emu: RunningEmulator, side: OmiSide
) -> None:
    existing = emu.seed(
        {"memories": [{"content": "Allergic to penicillin.", "category": "system"}]}
    )

    written = _written(side.create(Kind.NOTE, [note("Allergic to penicillin.", category="system")]))

    assert written[0].item_id == existing["memories"][0]
    assert len(emu.records()["memories"]) == 1


def test_memory_categories_match_omi_case_insensitively_and_unknown_ones_are_left_to_omi(
    side: OmiSide,
) -> None:
    outcomes = side.create(
        Kind.NOTE,
        [
            note("Quarterly planning in week one", category="Work"),
            note("Dreamt of the sea", category="journal"),
        ],
    )

    written = _written(outcomes)
    assert written[0].held is not None and written[0].held["category"] == "work"
    assert written[1].held is not None and written[1].held["category"] in MEMORY_CATEGORIES


def test_a_note_with_an_unknown_visibility_is_refused_before_sending(side: OmiSide) -> None:
    outcomes = side.create(Kind.NOTE, [note("secret", visibility="friends"), note("open")])

    assert isinstance(outcomes[0], Failed)
    assert isinstance(outcomes[0].error, ItemRejectedError)
    assert "friends" in str(outcomes[0].error)
    assert isinstance(outcomes[1], Written)


def test_a_draft_with_a_field_a_task_does_not_have_is_refused(side: OmiSide) -> None:
    outcomes = side.create(Kind.TASK, [task("x"), note("y", stamp="note-shaped")])

    assert isinstance(outcomes[0], Written)
    assert isinstance(outcomes[1], Failed)
    assert isinstance(outcomes[1].error, SideError)
    assert "unknown field" in str(outcomes[1].error)
