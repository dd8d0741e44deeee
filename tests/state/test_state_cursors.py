"""Cursors: named JSON values per connector and kind."""

from __future__ import annotations

import pytest

from omisync.state import StateDB


def test_an_unset_cursor_gives_the_default(state: StateDB) -> None:
    assert state.cursors.get("todoist", "task", "sync_token") is None
    assert state.cursors.get("todoist", "task", "sync_token", default="*") == "*"


@pytest.mark.parametrize(
    "value", ["tok-ü✓", 0, 12.5, True, None, ["a", 1], {"since": "2026-01-01", "n": [1, {}]}]
)
def test_any_json_value_round_trips(state: StateDB, value: object) -> None:
    state.cursors.set("notion", "note", "c", value)
    assert state.cursors.get("notion", "note", "c", default="unset") == value


def test_set_overwrites_and_cursors_are_scoped_by_connector_and_kind(state: StateDB) -> None:
    state.cursors.set("todoist", "task", "sync_token", "one")
    state.cursors.set("todoist", "task", "sync_token", "two")
    state.cursors.set("todoist", "task", "watermark", 5)
    state.cursors.set("todoist", "note", "sync_token", "note-token")
    state.cursors.set("notion", "task", "sync_token", "notion-token")

    assert state.cursors.all("todoist", "task") == {"sync_token": "two", "watermark": 5}
    assert state.cursors.get("todoist", "note", "sync_token") == "note-token"
    assert state.cursors.get("notion", "task", "sync_token") == "notion-token"


def test_clear_one_or_all_cursors_of_a_connector_and_kind(state: StateDB) -> None:
    state.cursors.set("todoist", "task", "a", 1)
    state.cursors.set("todoist", "task", "b", 2)
    state.cursors.set("todoist", "note", "a", 3)

    assert state.cursors.clear("todoist", "task", "a") == 1
    assert state.cursors.all("todoist", "task") == {"b": 2}
    assert state.cursors.clear("todoist", "task") == 1
    assert state.cursors.all("todoist", "task") == {}
    assert state.cursors.all("todoist", "note") == {"a": 3}


def test_a_value_that_is_not_json_is_refused_and_nothing_changes(state: StateDB) -> None:
    state.cursors.set("todoist", "task", "a", 1)
    with pytest.raises(TypeError):
        state.cursors.set("todoist", "task", "a", object())
    assert state.cursors.get("todoist", "task", "a") == 1
