"""The links table: Links round-trip exactly, saves are atomic, an item has one link per kind."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.state import DuplicateLinkError, StateCorruptError, StateDB
from omisync.sync.links import Kind, Link, LinkState

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
projections = st.dictionaries(st.text(max_size=10), json_values, max_size=6)


@st.composite
def link_lists(draw: st.DrawFn) -> list[Link]:
    """Links with unique ids (an item is in one link per connector and kind), any content."""
    count = draw(st.integers(min_value=0, max_value=12))
    links = []
    for index in range(count):
        omi_id = draw(st.none() | st.text(max_size=12))
        peer_id = draw(st.none() | st.text(max_size=12))
        links.append(
            Link(
                link_id=f"{draw(st.text(max_size=12))}#{index}",
                connector=draw(st.sampled_from(["todoist", "notion", "mårkdown ✓"])),
                kind=draw(st.sampled_from(Kind)),
                omi_id=None if omi_id is None else f"{omi_id}#{index}",
                peer_id=None if peer_id is None else f"{peer_id}#{index}",
                omi_base=draw(projections),
                omi_hash=draw(st.text(max_size=64)),
                peer_base=draw(projections),
                peer_hash=draw(st.text(max_size=64)),
                state=draw(st.sampled_from(LinkState)),
                conflict=draw(st.none() | projections),
            )
        )
    return links


@pytest.fixture(scope="module")
def shared_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateDB]:
    """One DB file for every Hypothesis example (each example starts by emptying links)."""
    with StateDB.open(tmp_path_factory.mktemp("links") / "state.db") as state:
        yield state


def load_everything(state: StateDB, connectors: set[str]) -> dict[str, Link]:
    loaded: dict[str, Link] = {}
    for connector in connectors:
        for kind in Kind:
            loaded.update(state.links.load(connector, kind))
    return loaded


@settings(max_examples=60, deadline=None)
@given(links=link_lists())
def test_saved_links_load_back_equal(shared_state: StateDB, links: list[Link]) -> None:
    shared_state.db.execute("DELETE FROM links")

    shared_state.links.save(links)

    connectors = {link.connector for link in links}
    assert load_everything(shared_state, connectors) == {link.link_id: link for link in links}


def a_link(link_id: str = "L1", **changes: Any) -> Link:
    link = Link(
        link_id=link_id,
        connector="todoist",
        kind=Kind.TASK,
        omi_id=f"omi-{link_id}",
        peer_id=f"peer-{link_id}",
        omi_base={"text": "Buy milk", "done": False, "due": {"date": "2026-03-01"}},
        omi_hash="h-omi",
        peer_base={"text": "Buy milk", "done": False, "labels": ["omi", "home"]},
        peer_hash="h-peer",
    )
    return dataclasses.replace(link, **changes)


def test_saving_an_existing_link_replaces_it(state: StateDB) -> None:
    state.links.save([a_link()])
    edited = a_link(omi_base={"text": "Buy oat milk"}, state=LinkState.CONFLICT, conflict={"f": 1})

    state.links.save([edited])

    assert state.links.load("todoist", Kind.TASK) == {"L1": edited}


def test_a_lone_surrogate_in_a_base_survives_the_round_trip(state: StateDB) -> None:
    link = a_link(omi_base={"text": "broken \ud83d emoji"})
    state.links.save([link])
    assert state.links.load("todoist", Kind.TASK)["L1"] == link


def test_links_are_loaded_per_connector_and_kind(state: StateDB) -> None:
    task = a_link("T")
    note = a_link("N", kind=Kind.NOTE)
    other = a_link("O", connector="notion")
    state.links.save([task, note, other])

    assert state.links.load("todoist", Kind.TASK) == {"T": task}
    assert state.links.load("todoist", Kind.NOTE) == {"N": note}
    assert state.links.load("notion", Kind.TASK) == {"O": other}
    assert state.links.count() == {
        ("todoist", Kind.TASK): 1,
        ("todoist", Kind.NOTE): 1,
        ("notion", Kind.TASK): 1,
    }
    assert state.links.count("notion") == {("notion", Kind.TASK): 1}


@pytest.mark.parametrize("side", ["omi_id", "peer_id"])
def test_an_item_cannot_have_two_links_and_nothing_is_saved(state: StateDB, side: str) -> None:
    first = a_link("A")
    clash = a_link("B", **{side: getattr(first, side)})

    with pytest.raises(DuplicateLinkError, match=f"links.{side}"):
        state.links.save([a_link("C"), first, clash])

    assert state.links.load("todoist", Kind.TASK) == {}


def test_the_same_item_id_is_fine_across_kinds_connectors_and_missing_ids(state: StateDB) -> None:
    links = [
        a_link("A", omi_id="x", peer_id=None),
        a_link("B", omi_id="x", peer_id=None, kind=Kind.NOTE),
        a_link("C", omi_id="x", peer_id=None, connector="notion"),
        a_link("D", omi_id=None, peer_id=None),
    ]
    state.links.save(links)
    assert len(load_everything(state, {"todoist", "notion"})) == 4


def test_an_item_id_moves_between_links_when_deleted_first_in_one_transaction(
    state: StateDB,
) -> None:
    state.links.save([a_link("old", omi_id="omi-1")])

    with state.transaction():
        assert state.links.delete(["old"]) == 1
        state.links.save([a_link("new", omi_id="omi-1")])

    assert list(state.links.load("todoist", Kind.TASK)) == ["new"]


def test_a_failed_transaction_saves_and_deletes_nothing(state: StateDB) -> None:
    state.links.save([a_link("keep")])

    with pytest.raises(RuntimeError, match="crash"), state.transaction():
        state.links.save([a_link("new")])
        state.links.delete(["keep"])
        raise RuntimeError("crash before commit")

    assert list(state.links.load("todoist", Kind.TASK)) == ["keep"]


def test_a_nested_block_that_fails_rolls_back_alone(state: StateDB) -> None:
    with state.transaction():
        state.links.save([a_link("outer")])
        with pytest.raises(DuplicateLinkError):
            state.links.save([a_link("clash", omi_id="omi-outer")])
        with pytest.raises(RuntimeError, match="inner"), state.transaction():
            state.links.save([a_link("inner")])
            raise RuntimeError("inner block fails")

    assert list(state.links.load("todoist", Kind.TASK)) == ["outer"]


def test_delete_counts_only_links_that_existed(state: StateDB) -> None:
    state.links.save([a_link("A"), a_link("B")])
    assert state.links.delete(["A", "missing"]) == 1
    assert list(state.links.load("todoist", Kind.TASK)) == ["B"]


def test_a_base_that_is_not_json_is_refused_naming_the_link(state: StateDB) -> None:
    with pytest.raises(TypeError, match="Link 'bad' cannot be saved"):
        state.links.save([a_link("good"), a_link("bad", omi_base={"tags": {"a", "b"}})])
    assert state.links.load("todoist", Kind.TASK) == {}


def test_a_damaged_row_is_reported_naming_the_link_and_the_fix(
    state: StateDB, state_path: Path
) -> None:
    state.links.save([a_link("L1")])
    state.db.execute("UPDATE links SET peer_base = '{\"text\": ' WHERE link_id = 'L1'")

    with pytest.raises(StateCorruptError) as caught:
        state.links.load("todoist", Kind.TASK)

    assert "'L1'" in str(caught.value)
    assert str(state_path) in str(caught.value)
    assert "DELETE FROM links WHERE link_id = 'L1'" in str(caught.value)
