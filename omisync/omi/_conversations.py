"""``client.conversations``: list, get, create (from text or segments), update and delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Literal

from omisync.omi._http import Call, HttpCore
from omisync.omi._limits import TRANSCRIPT_POLICY
from omisync.omi._models import Conversation, ConversationCreated, Geolocation, NewSegment
from omisync.omi._paging import Pager, Scan
from omisync.omi._parse import (
    Noun,
    parse_conversation,
    parse_conversation_created,
    parse_list,
    parse_success,
)
from omisync.omi._wire import (
    require_some,
    wire_categories,
    wire_geolocation,
    wire_optional_datetime,
    without_none,
)

#: The largest page the server returns without / with transcripts (it clamps silently).
PAGE_MAX = 100
PAGE_MAX_WITH_TRANSCRIPT = 25

TextSource = Literal["audio_transcript", "message", "other_text"]

_ROUTE = "user/conversations"
_ONE = "user/conversations/{conversation_id}"


def _segment_body(segment: NewSegment) -> dict[str, object]:
    return without_none(
        {
            "text": segment.text,
            "start": segment.start,
            "end": segment.end,
            "speaker": segment.speaker,
            "speaker_id": segment.speaker_id,
            "is_user": segment.is_user,
            "person_id": segment.person_id,
        }
    )


def _transcript_policies(include_transcript: bool) -> tuple[str, ...]:
    return (TRANSCRIPT_POLICY,) if include_transcript else ()


class Conversations:
    """Omi conversations. Listings show only processed, non-discarded ones; :meth:`get` also
    reads discarded ones by id."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def iter(
        self,
        *,
        include_transcript: bool = False,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        categories: Iterable[str] | None = None,
        folder_id: str | None = None,
        starred: bool | None = None,
        page_size: int | None = None,
    ) -> Pager[Conversation]:
        """A lazy listing, newest first. ``start_date`` / ``end_date`` filter the creation
        time (inclusive). ``page_size`` defaults to, and is capped at, the server's largest (25
        with transcripts, else 100). Raises ``ValueError`` for naive dates."""
        params = {
            "include_transcript": include_transcript,
            "start_date": wire_optional_datetime(start_date, "start_date"),
            "end_date": wire_optional_datetime(end_date, "end_date"),
            "categories": wire_categories(categories),
            "folder_id": folder_id,
            "starred": starred,
        }
        page_max = PAGE_MAX_WITH_TRANSCRIPT if include_transcript else PAGE_MAX

        def fetch(offset: int, limit: int) -> list[Conversation]:
            call = Call(
                "GET",
                _ROUTE,
                params={**params, "limit": limit, "offset": offset},
                extra_policies=_transcript_policies(include_transcript),
            )
            parse = partial(
                parse_list, parse=parse_conversation, noun=Noun("conversation", "conversations")
            )
            return self._http.execute(call, parse)

        filters = [v for k, v in params.items() if k != "include_transcript"]
        return Pager(
            fetch,
            page_max if page_size is None else page_size,
            page_max=page_max,
            filtered=any(v is not None for v in filters),
        )

    def scan(
        self,
        *,
        include_transcript: bool = False,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        categories: Iterable[str] | None = None,
        folder_id: str | None = None,
        starred: bool | None = None,
        page_size: int | None = None,
    ) -> Scan[Conversation]:
        """Every matching conversation, read to the end (see :meth:`iter`); raises on any
        failed page."""
        return self.iter(
            include_transcript=include_transcript,
            start_date=start_date,
            end_date=end_date,
            categories=categories,
            folder_id=folder_id,
            starred=starred,
            page_size=page_size,
        ).collect()

    def get(self, conversation_id: str, *, include_transcript: bool = False) -> Conversation:
        """One conversation by id (discarded ones too). Raises :class:`NotFoundError` when it
        is missing, deleted or locked."""
        call = Call(
            "GET",
            _ONE,
            path_params={"conversation_id": conversation_id},
            params={"include_transcript": include_transcript},
            extra_policies=_transcript_policies(include_transcript),
        )
        return self._http.execute(call, parse_conversation)

    def create_from_text(
        self,
        text: str,
        *,
        text_source: TextSource = "other_text",
        text_source_spec: str | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        language: str | None = None,
        geolocation: Geolocation | None = None,
    ) -> ConversationCreated:
        """Create a conversation from text; Omi summarises it and may extract action items
        and memories. Not idempotent, so not retried once it may have reached Omi. A
        ``discarded`` result never shows in listings."""
        body = without_none(
            {
                "text": text,
                "text_source": text_source,
                "text_source_spec": text_source_spec,
                "started_at": wire_optional_datetime(started_at, "started_at"),
                "finished_at": wire_optional_datetime(finished_at, "finished_at"),
                "language": language,
                "geolocation": wire_geolocation(geolocation),
            }
        )
        call = Call("POST", _ROUTE, body=body, idempotent=False)
        return self._http.execute(call, parse_conversation_created)

    def create_from_segments(
        self,
        segments: Sequence[NewSegment],
        *,
        client_session_id: str | None = None,
        source: str | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        language: str | None = None,
        geolocation: Geolocation | None = None,
    ) -> ConversationCreated:
        """Create a conversation from transcript segments. With a ``client_session_id`` the
        create is idempotent (a retry returns the same conversation) and is retried;
        without one it is not."""
        body = without_none(
            {
                "transcript_segments": [_segment_body(s) for s in segments],
                "client_session_id": client_session_id,
                "source": source,
                "started_at": wire_optional_datetime(started_at, "started_at"),
                "finished_at": wire_optional_datetime(finished_at, "finished_at"),
                "language": language,
                "geolocation": wire_geolocation(geolocation),
            }
        )
        call = Call(
            "POST",
            f"{_ROUTE}/from-segments",
            body=body,
            idempotent=client_session_id is not None,
        )
        return self._http.execute(call, parse_conversation_created)

    def update(
        self, conversation_id: str, *, title: str | None = None, discarded: bool | None = None
    ) -> Conversation:
        """Set a title override and/or discard (hide) or restore the conversation; returns it
        (without transcript). Raises ``ValueError`` when no field is given,
        :class:`NotFoundError`, :class:`LockedError`."""
        body = require_some({"title": title, "discarded": discarded}, "conversations.update")
        call = Call("PATCH", _ONE, path_params={"conversation_id": conversation_id}, body=body)
        return self._http.execute(call, parse_conversation)

    def delete(self, conversation_id: str) -> None:
        """Delete the conversation. Raises :class:`NotFoundError`, :class:`LockedError`."""
        call = Call("DELETE", _ONE, path_params={"conversation_id": conversation_id}, gone_ok=True)
        self._http.execute(call, parse_success)
