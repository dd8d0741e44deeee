"""Hypothesis properties of plan(): its guards hold for any input, and applying a plan converges.

A *world* is a set of links with bases, what each side now holds for them (unchanged, edited,
deleted, or missing from the listing), unlinked items on both sides, and random options.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from engine_fakes import CONNECTOR, omi_like_hold
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.sync import (
    ConflictPolicy,
    DeleteMode,
    DeletePolicy,
    Direction,
    Kind,
    KindOptions,
    Link,
    MaxDelete,
    Plan,
    Role,
    Snapshot,
    SyncOptions,
    Written,
    plan,
    task_projection,
)

ZONE = ZoneInfo("Europe/Berlin")
OMI_LIMIT = 8
TEXTS = ["a", "b", "B ", "c", "write tests", ""]
DUES = [None, "2025-03-01", "2025-03-01T11:00:00Z", "2025-03-01T09:00:00", "2025-03-02"]

tasks = st.builds(task_projection, st.sampled_from(TEXTS), st.booleans(), st.sampled_from(DUES))


@dataclass
class World:
    omi: Snapshot
    peer: Snapshot
    links: list[Link]
    options: SyncOptions


def _edit(base: dict[str, Any], new: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {**base, **{name: new[name] for name in fields}}


@st.composite
def worlds(draw: st.DrawFn) -> World:
    omi_items: dict[str, dict[str, Any]] = {}
    peer_items: dict[str, dict[str, Any]] = {}
    omi_deleted: set[str] = set()
    peer_deleted: set[str] = set()
    links = []
    for number in range(draw(st.integers(0, 7))):
        base = draw(tasks)
        omi_id, peer_id = f"o{number}", f"p{number}"
        tombstone = draw(st.sampled_from([None, None, None, Role.OMI, Role.PEER]))
        links.append(
            Link.new(
                f"L{number}",
                CONNECTOR,
                Kind.TASK,
                omi_id=None if tombstone is Role.OMI else omi_id,
                peer_id=None if tombstone is Role.PEER else peer_id,
                omi_base=omi_like_hold(Kind.TASK, base, ZONE),
                peer_base=base,
            )
        )
        for role, items, deleted, item_id in (
            (Role.OMI, omi_items, omi_deleted, omi_id),
            (Role.PEER, peer_items, peer_deleted, peer_id),
        ):
            if tombstone is role:
                continue
            fate = draw(st.sampled_from(["same", "same", "edited", "deleted", "missing"]))
            held_base = omi_like_hold(Kind.TASK, base, ZONE) if role is Role.OMI else base
            if fate == "same":
                items[item_id] = held_base
            elif fate == "edited":
                edited = draw(st.lists(st.sampled_from(["text", "done", "due"]), min_size=1))
                items[item_id] = _edit(held_base, draw(tasks), edited)
            elif fate == "deleted":
                deleted.add(item_id)
    for role, items in ((Role.OMI, omi_items), (Role.PEER, peer_items)):
        for number, fields in enumerate(draw(st.lists(tasks, max_size=4))):
            items[f"{role}-new{number}"] = fields
    kind_options = KindOptions(
        direction=draw(st.sampled_from(list(Direction))),
        conflict=draw(st.sampled_from(list(ConflictPolicy))),
        on_delete=draw(st.sampled_from(list(DeletePolicy))),
        create_completed=draw(st.booleans()),
    )
    options = SyncOptions(
        tasks=kind_options,
        max_delete=MaxDelete(
            count=draw(st.integers(0, 4)), percent=draw(st.sampled_from([0, 50, 100]))
        ),
        confirm_deletes=draw(st.booleans()),
        timezone="Europe/Berlin",
    )
    return World(
        Snapshot(Kind.TASK, omi_items, draw(st.booleans()), frozenset(omi_deleted), {}, OMI_LIMIT),
        Snapshot(Kind.TASK, peer_items, draw(st.booleans()), frozenset(peer_deleted)),
        links,
        options,
    )


def run(world: World) -> Plan:
    return plan(world.omi, world.peer, world.links, world.options, connector=CONNECTOR)


def snapshot_of(world: World, role: Role) -> Snapshot:
    return world.omi if role is Role.OMI else world.peer


@settings(max_examples=300)
@given(worlds())
def test_the_guards_hold_for_any_world(world: World) -> None:
    result = run(world)
    direction = world.options.tasks.direction
    allowed = {Role.OMI: direction.writes_omi, Role.PEER: direction.writes_peer}
    by_id = {link.link_id: link for link in world.links}
    for create in result.creates:
        target = snapshot_of(world, create.target)
        assert allowed[create.target] and target.complete
        assert create.fields["text"] and len(create.fields["text"]) <= (
            target.max_text_length or 99
        )
        assert create.source_id in snapshot_of(world, create.target.other).items
    for update in result.updates:
        for role, fields in ((Role.OMI, update.to_omi), (Role.PEER, update.to_peer)):
            assert not fields or allowed[role]
            text = fields.get("text")
            assert text is None or (
                text and len(text) <= (snapshot_of(world, role).max_text_length or 99)
            )
    for delete in result.deletes:
        assert allowed[delete.target] and delete.item_id in snapshot_of(world, delete.target).items
        gone = delete.target.other
        gone_id = delete.link.omi_id if gone is Role.OMI else delete.link.peer_id
        assert snapshot_of(world, gone).complete and gone_id in snapshot_of(world, gone).deleted
        assert by_id[delete.link.link_id] == delete.link
    if not world.options.confirm_deletes:
        budget = world.options.max_delete.allowed(len(world.links))
        for role in Role:
            assert sum(d.target is role for d in result.deletes) <= budget
    if direction is Direction.OFF:
        assert result == Plan(Kind.TASK, CONNECTOR)


@settings(max_examples=300)
@given(worlds())
def test_no_item_ends_up_linked_twice(world: World) -> None:
    result = run(world)
    after = {link.link_id: link for link in world.links}
    for link_id in result.forgets:
        after.pop(link_id)
    for link in (*result.rebases, *result.matches):
        after[link.link_id] = link
    for create in result.creates:
        after[create.link_id] = create.link_after(
            Written(f"new-{create.link_id}", None), connector=CONNECTOR, kind=Kind.TASK
        )
    for role in Role:
        ids = [link.omi_id if role is Role.OMI else link.peer_id for link in after.values()]
        present = [item_id for item_id in ids if item_id is not None]
        assert len(present) == len(set(present)), f"{role} item linked twice"


@settings(max_examples=300)
@given(worlds())
def test_an_edit_is_written_or_reported(world: World) -> None:
    result = run(world)
    direction = world.options.tasks.direction
    written = {u.link.link_id: u for u in result.updates}
    conflicts = {(c.link_id, c.field) for c in result.conflicts}
    refused = {r.link_id for r in result.refusals}
    parked = {c.link_id for c in result.conflicts if c.winner is None}  # every edit held
    for link in world.links:
        omi_now = world.omi.items.get(link.omi_id or "")
        peer_now = world.peer.items.get(link.peer_id or "")
        if omi_now is None or peer_now is None:
            continue
        for source, now, base, other_now, other_base, can_write in (
            (Role.OMI, omi_now, link.omi_base, peer_now, link.peer_base, direction.writes_peer),
            (Role.PEER, peer_now, link.peer_base, omi_now, link.omi_base, direction.writes_omi),
        ):
            for name, value in now.items():
                if value == base[name] or not can_write:
                    continue
                if other_now[name] != other_base[name] and other_now[name] == value:
                    continue  # both sides made the same edit
                update = written.get(link.link_id)
                sent = (
                    update.to_peer
                    if update and source is Role.OMI
                    else (update.to_omi if update else {})
                )
                assert (
                    sent.get(name) == value
                    or (link.link_id, name) in conflicts
                    or link.link_id in refused | parked
                ), f"{source} edit of {name} on {link.link_id} lost"


def apply(world: World, result: Plan) -> World:
    """Execute ``result`` against honest in-memory sides (Omi holds dues as UTC instants)."""
    items = {Role.OMI: dict(world.omi.items), Role.PEER: dict(world.peer.items)}
    deleted: dict[Role, set[str]] = {
        Role.OMI: set(world.omi.deleted),
        Role.PEER: set(world.peer.deleted),
    }
    links = {link.link_id: link for link in world.links}

    def hold(role: Role, fields: dict[str, Any]) -> dict[str, Any]:
        return omi_like_hold(Kind.TASK, fields, ZONE) if role is Role.OMI else dict(fields)

    for link_id in result.forgets:
        links.pop(link_id)
    for link in (*result.rebases, *result.matches):
        links[link.link_id] = link
    for create in result.creates:
        new_id = f"{create.target}-made-{create.link_id}"
        items[create.target][new_id] = hold(create.target, create.fields)
        written = Written(new_id, items[create.target][new_id])
        links[create.link_id] = create.link_after(written, connector=CONNECTOR, kind=Kind.TASK)
    for update in result.updates:
        held: dict[Role, dict[str, Any] | None] = {Role.OMI: None, Role.PEER: None}
        for role, fields in ((Role.OMI, update.to_omi), (Role.PEER, update.to_peer)):
            item_id = update.link.omi_id if role is Role.OMI else update.link.peer_id
            if fields and item_id is not None:
                items[role][item_id] = held[role] = hold(role, {**items[role][item_id], **fields})
        links[update.link.link_id] = update.link_after(
            omi_held=held[Role.OMI], peer_held=held[Role.PEER]
        )
    for delete in result.deletes:
        if delete.mode is DeleteMode.DELETE:
            del items[delete.target][delete.item_id]
            deleted[delete.target].add(delete.item_id)
            after = delete.link_after(Written(delete.item_id, None))
        else:
            items[delete.target][delete.item_id] = {
                **items[delete.target][delete.item_id],
                "done": True,
            }
            after = delete.link_after(Written(delete.item_id, items[delete.target][delete.item_id]))
        if after is None:
            links.pop(delete.link.link_id)
        else:
            links[delete.link.link_id] = after
    return World(
        replace(
            world.omi, items=items[Role.OMI], deleted=frozenset(deleted[Role.OMI]), complete=True
        ),
        replace(
            world.peer, items=items[Role.PEER], deleted=frozenset(deleted[Role.PEER]), complete=True
        ),
        list(links.values()),
        world.options,
    )


@settings(max_examples=300)
@given(worlds())
def test_a_plan_applied_then_planned_again_writes_nothing(world: World) -> None:
    first = run(world)
    settled = apply(apply(world, first), run(apply(world, first)))  # the second sync
    third = run(settled)
    assert third.write_count == 0, third.describe()
    assert third.matches == () and third.rebases == (), third.describe()


@settings(max_examples=200)
@given(worlds())
def test_planning_is_deterministic(world: World) -> None:
    assert run(world) == run(world)
