"""Turning a posted conversation into stored records, as the backend's pipeline does inline.

One transaction stores the conversation, the action items extracted from it (linked by
``conversation_id``; duplicates of items created in the last two days are skipped) and the
memories extracted from it (``manually_added=false``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from omisync.emulator.identity import new_uuid
from omisync.emulator.pipeline import normalize_description, process_text
from omisync.emulator.store import ConversationRecord, EmbeddedActionItem, SegmentRecord, Store

#: Action items whose description matches one created this recently are not created again.
DEDUP_WINDOW = timedelta(days=2)

_SPEAKER_NUMBER = re.compile(r"(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class NewConversation:
    """A conversation to process and store (``segments`` empty for text conversations)."""

    id: str
    text: str
    started_at: datetime
    finished_at: datetime
    source: str
    language: str = "en"
    segments: Sequence[SegmentRecord] = ()
    geolocation: dict[str, Any] | None = None
    folder_id: str | None = None
    starred: bool = False


def speaker_number(speaker: str | None) -> int:
    """Return the numeric speaker id of a label like ``SPEAKER_01`` (0 when there is none)."""
    match = _SPEAKER_NUMBER.search(speaker or "")
    return int(match.group(1)) if match else 0


def new_segment(
    text: str,
    *,
    start: float,
    end: float,
    speaker: str | None = None,
    speaker_id: int | None = None,
    is_user: bool = False,
    person_id: str | None = None,
) -> SegmentRecord:
    """Return a stored segment with a fresh id; the speaker id derives from the label if absent."""
    label = speaker or "SPEAKER_00"
    return SegmentRecord(
        id=new_uuid(),
        text=text.strip(),
        speaker=label,
        speaker_id=speaker_id if speaker_id is not None else speaker_number(label),
        is_user=is_user,
        person_id=person_id,
        start=start,
        end=end,
    )


def ingest_conversation(store: Store, new: NewConversation, now: datetime) -> ConversationRecord:
    """Process ``new``, store it with what it yields, and return the stored conversation."""
    processed = process_text(new.text, new.started_at)
    embedded: list[EmbeddedActionItem] = []
    with store.db.transaction():
        if not processed.discarded:
            seen = {
                normalize_description(d)
                for d in store.action_items.descriptions_created_since(now - DEDUP_WINDOW)
            }
            for extracted in processed.action_items:
                key = normalize_description(extracted.description)
                if key in seen:
                    continue
                seen.add(key)
                item = store.action_items.create(
                    extracted.description,
                    completed=False,
                    due_at=extracted.due_at,
                    now=now,
                    conversation_id=new.id,
                )
                embedded.append(
                    EmbeddedActionItem(
                        description=item.description,
                        completed=False,
                        created_at=now,
                        due_at=item.due_at,
                        conversation_id=new.id,
                    )
                )
            for memory in processed.memories:
                store.memories.save_content(
                    memory.content,
                    category=memory.category,
                    visibility="private",
                    tags=(),
                    now=now,
                    manually_added=False,
                    conversation_id=new.id,
                )
        record = ConversationRecord(
            id=new.id,
            created_at=now,
            updated_at=now,
            started_at=new.started_at,
            finished_at=new.finished_at,
            language=new.language,
            source=new.source,
            geolocation=new.geolocation,
            folder_id=new.folder_id,
            starred=new.starred,
            status="completed",
            discarded=processed.discarded,
            deleted=False,
            is_locked=False,
            title=processed.title,
            user_title=None,
            overview=processed.overview,
            emoji=processed.emoji,
            category=processed.category,
            action_items=embedded,
            events=[],
            transcript_segments=list(new.segments),
        )
        store.conversations.put(record)
    return record
