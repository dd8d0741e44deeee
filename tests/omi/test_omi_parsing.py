"""Answers from the real backend's variants parse into typed, UTC-aware records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omisync.omi import ActionItem, Conversation, DevApiKeyCreated, Memory
from omisync.omi._parse import (
    AnswerProblem,
    parse_action_item,
    parse_conversation,
    parse_datetime,
    parse_dev_api_key_created,
    parse_memory,
)


def test_a_current_backend_memory() -> None:
    memory = parse_memory(
        {
            "id": "8a2b",
            "content": "Likes green tea",
            "category": "hobbies",  # legacy value: kept as sent
            "visibility": "private",
            "tags": ["food"],
            "created_at": "2025-12-06T10:35:00Z",
            "updated_at": None,
            "manually_added": True,
            "reviewed": False,
            "user_review": None,
            "edited": False,
            "scoring": None,
            "some_future_field": {"ignored": True},
        }
    )
    assert memory == Memory(
        id="8a2b",
        content="Likes green tea",
        category="hobbies",
        tags=("food",),
        created_at=datetime(2025, 12, 6, 10, 35, tzinfo=UTC),
        manually_added=True,
    )


def test_the_docs_minimal_memory_gets_defaults() -> None:
    memory = parse_memory({"id": "mem_1", "content": "Reminder", "category": "system"})
    assert (memory.visibility, memory.tags, memory.created_at) == ("private", (), None)


def test_nulls_where_the_schema_has_defaults() -> None:
    memory = parse_memory({"id": "m", "content": None, "category": None, "tags": None})
    assert (memory.content, memory.category, memory.tags) == ("", "interesting", ())
    item = parse_action_item({"id": "a", "description": "x", "completed": None})
    assert item.completed is False


def test_a_locked_memory_preview_is_recognisable() -> None:
    preview = parse_memory({"id": "m", "content": "x" * 70 + "..."})
    assert preview.may_be_locked_preview
    assert not parse_memory({"id": "m", "content": "short..."}).may_be_locked_preview


def test_an_action_item_with_offsets_becomes_utc() -> None:
    item = parse_action_item(
        {
            "id": "a1",
            "description": "Review budget",
            "completed": True,
            "due_at": "2025-12-08T15:00:00+02:00",
            "completed_at": "2025-01-20T09:00:00.123456789Z",
            "conversation_id": "conv_202",
        }
    )
    assert item == ActionItem(
        id="a1",
        description="Review budget",
        completed=True,
        due_at=datetime(2025, 12, 8, 13, 0, tzinfo=UTC),
        completed_at=datetime(2025, 1, 20, 9, 0, 0, 123456, tzinfo=UTC),
        conversation_id="conv_202",
    )
    assert item.due_at is not None and item.due_at.tzinfo is UTC


def test_a_conversation_with_transcript_and_structure() -> None:
    conversation = parse_conversation(
        {
            "id": "c1",
            "created_at": "2025-01-20T13:50:00Z",
            "started_at": "2025-01-20T13:50:00Z",
            "finished_at": None,
            "language": "en",
            "source": "omi",
            "structured": {
                "title": "Feature Discussion",
                "overview": "Brainstorm",
                "emoji": "💼",
                "category": "business",
                "action_items": [{"description": "Mockups", "completed": False}],
                "events": [{"title": "Demo", "start": "2025-01-21T10:00:00Z", "duration": 60}],
            },
            "transcript_segments": [
                {"id": "s1", "text": "Hi", "speaker_id": 0, "start": 0, "end": 2.5},
                {"text": "Hello", "speaker_name": "Speaker 1", "start": 2.5, "end": 5.8},
            ],
        }
    )
    assert isinstance(conversation, Conversation)
    assert conversation.structured.title == "Feature Discussion"
    assert conversation.structured.action_items[0].description == "Mockups"
    assert conversation.structured.events[0].duration == 60
    assert conversation.transcript_segments is not None
    assert [s.end for s in conversation.transcript_segments] == [2.5, 5.8]
    without = parse_conversation({"id": "c2", "created_at": None, "structured": None})
    assert without.transcript_segments is None and without.structured.title == ""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"id": "c", "structured": {"events": [{"title": "x"}]}}, "events[0] field 'start'"),
        ({"id": "c", "transcript_segments": [{"text": "t", "start": "0"}]}, "[0] field 'start'"),
        ({"id": "c", "transcript_segments": [{"text": "t", "start": 0}]}, "field 'end' is missing"),
        ({"id": 7}, "field 'id': expected a string, got int 7"),
        ("c", "expected a JSON object, got string 'c'"),
    ],
)
def test_malformed_conversations_name_the_place(data: object, words: str) -> None:
    with pytest.raises(AnswerProblem, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_conversation(data)


def test_a_created_key_hides_its_secret_from_repr() -> None:
    secret = "omi_dev_" + "9" * 32
    created = parse_dev_api_key_created(
        {
            "id": "k1",
            "name": "sync",
            "key_prefix": "omi_dev_9999...9999",
            "created_at": "2025-01-20T15:00:00Z",
            "last_used_at": None,
            "scopes": None,
            "key": secret,
        }
    )
    assert isinstance(created, DevApiKeyCreated)
    assert created.key == secret and created.info.scopes is None
    assert secret not in repr(created)


aware_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)


@given(aware_datetimes)
def test_any_iso_datetime_round_trips_as_the_same_instant_in_utc(moment: datetime) -> None:
    parsed = parse_datetime(moment.isoformat())
    assert parsed == moment
    assert parsed.tzinfo is UTC
    assert parse_datetime(moment.isoformat().replace("+00:00", "Z")) == moment


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_a_naive_datetime_is_read_as_utc(moment: datetime) -> None:
    assert parse_datetime(moment.isoformat()) == moment.replace(tzinfo=UTC)


@given(st.text().filter(lambda s: not s.strip()[:1].isdigit()))
def test_non_dates_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_datetime(text)
