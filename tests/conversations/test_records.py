"""The canonical conversation record: built from Omi's model, fingerprinted stably."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omisync.conversations import (
    ConversationRecord,
    ConversationTask,
    RecordError,
    Segment,
    record_from_omi,
    record_hash,
    summary_hash,
)
from omisync.omi import (
    Conversation,
    ConversationActionItem,
    ConversationStructured,
    TranscriptSegment,
)

WHEN = datetime(2025, 12, 8, 9, 30, tzinfo=UTC)


def test_an_omi_conversation_maps_to_a_record() -> None:
    omi = Conversation(
        id="c1",
        created_at=WHEN,
        started_at=WHEN - timedelta(minutes=10),
        finished_at=WHEN,
        structured=ConversationStructured(
            title="Trip",
            overview="Dates chosen.",
            emoji="🚆",
            category="travel",
            action_items=(ConversationActionItem("Book the train", completed=True),),
        ),
        transcript_segments=(
            TranscriptSegment("Hi", 0.0, 1.0, speaker_id=1, speaker_name="Ana"),
            TranscriptSegment("Hello", 1.0, 2.0, speaker_id=2),
            TranscriptSegment("Bye", 2.0, 3.0),
        ),
    )
    assert record_from_omi(omi) == ConversationRecord(
        id="c1",
        created_at=WHEN,
        title="Trip",
        overview="Dates chosen.",
        emoji="🚆",
        category="travel",
        started_at=WHEN - timedelta(minutes=10),
        finished_at=WHEN,
        action_items=(ConversationTask("Book the train", done=True),),
        transcript=(
            Segment("Ana", "Hi", 0.0, 1.0),
            Segment("Speaker 2", "Hello", 1.0, 2.0),
            Segment("Speaker", "Bye", 2.0, 3.0),
        ),
    )


def test_a_conversation_without_any_date_is_refused_by_name() -> None:
    with pytest.raises(RecordError, match="c9 has no date"):
        record_from_omi(Conversation(id="c9", created_at=None))
    started_only = Conversation(id="c8", created_at=None, started_at=WHEN)
    assert record_from_omi(started_only).created_at == WHEN


texts = st.text(max_size=30)
segments = st.builds(Segment, texts, texts, st.floats(0, 1e4), st.floats(0, 1e4), st.booleans())
records = st.builds(
    ConversationRecord,
    id=st.text(min_size=1, max_size=12),
    created_at=st.datetimes(timezones=st.just(UTC)),
    title=texts,
    overview=texts,
    emoji=texts,
    category=st.none() | texts,
    started_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    finished_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    action_items=st.lists(st.builds(ConversationTask, texts, st.booleans()), max_size=3).map(tuple),
    transcript=st.lists(segments, max_size=3).map(tuple),
)


@given(records, records)
def test_hashes_are_equal_exactly_when_the_records_are(
    a: ConversationRecord, b: ConversationRecord
) -> None:
    assert (record_hash(a) == record_hash(b)) == (a == b)
    without = dataclasses.replace(b, transcript=a.transcript)
    assert (summary_hash(a) == summary_hash(b)) == (a == without)


@given(records, st.lists(segments, min_size=1, max_size=3).map(tuple))
def test_the_summary_hash_ignores_the_transcript_and_the_full_hash_does_not(
    record: ConversationRecord, transcript: tuple[Segment, ...]
) -> None:
    other = dataclasses.replace(record, transcript=transcript)
    assert summary_hash(other) == summary_hash(record)
    assert (record_hash(other) == record_hash(record)) == (transcript == record.transcript)
