"""The canonical conversation record every peer sees, built from an Omi conversation.

A :class:`ConversationRecord` holds what a peer shows of a conversation: its dates, title,
overview, emoji, category, action items (text, done) and transcript segments. Connectors
render it; they never see the Omi client's models. :func:`record_hash` and
:func:`summary_hash` fingerprint a record so the export regenerates a peer's copy only when
the conversation changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omisync.omi import Conversation, TranscriptSegment

__all__ = [
    "ConversationRecord",
    "ConversationTask",
    "RecordError",
    "Segment",
    "record_from_omi",
    "record_hash",
    "summary_hash",
]


class RecordError(ValueError):
    """An Omi conversation cannot become a record (e.g. it carries no date at all)."""


@dataclass(frozen=True, slots=True)
class ConversationTask:
    """An action item as a conversation lists it (shown by peers, not synced from them)."""

    text: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class Segment:
    """One spoken segment: who, what, and when (seconds from the conversation's start).

    ``is_user`` marks the account holder's own words.
    """

    speaker: str
    text: str
    start: float
    end: float
    is_user: bool = False


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A conversation as peers receive it. ``transcript`` is empty when it was not fetched."""

    id: str
    created_at: datetime
    title: str
    overview: str = ""
    emoji: str = ""
    category: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    action_items: tuple[ConversationTask, ...] = ()
    transcript: tuple[Segment, ...] = ()


def _speaker(segment: TranscriptSegment) -> str:
    if segment.speaker_name:
        return segment.speaker_name
    return "Speaker" if segment.speaker_id is None else f"Speaker {segment.speaker_id}"


def record_from_omi(conversation: Conversation) -> ConversationRecord:
    """The record of an Omi conversation (its transcript only if it was listed with one).

    Raises :class:`RecordError` when the conversation has no creation, start or finish time.
    """
    created = conversation.created_at or conversation.started_at or conversation.finished_at
    if created is None:
        raise RecordError(
            f"Omi conversation {conversation.id} has no date (created_at, started_at and "
            "finished_at are all empty); it is skipped"
        )
    structured = conversation.structured
    return ConversationRecord(
        id=conversation.id,
        created_at=created,
        title=structured.title,
        overview=structured.overview,
        emoji=structured.emoji,
        category=structured.category,
        started_at=conversation.started_at,
        finished_at=conversation.finished_at,
        action_items=tuple(
            ConversationTask(item.description, item.completed) for item in structured.action_items
        ),
        transcript=tuple(
            Segment(_speaker(s), s.text, s.start, s.end)
            for s in conversation.transcript_segments or ()
        ),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _digest(record: ConversationRecord, *, with_transcript: bool) -> str:
    plain = _plain(record)
    if not with_transcript:
        del plain["transcript"]
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def record_hash(record: ConversationRecord) -> str:
    """A stable fingerprint of everything in the record, transcript included."""
    return _digest(record, with_transcript=True)


def summary_hash(record: ConversationRecord) -> str:
    """A stable fingerprint of the record without its transcript (what a listing without
    transcripts can show)."""
    return _digest(record, with_transcript=False)
