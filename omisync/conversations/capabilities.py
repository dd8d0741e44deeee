"""What a peer may offer for conversations: two optional capabilities, as Protocols.

A connector's side takes part in the conversation flows by having the methods below; the
flows check with ``isinstance`` (the protocols are runtime-checkable) and never import a
connector:

- :class:`ConversationExportTarget` — "accepts conversation exports" (Omi → peer, one way):
  it keeps one copy per conversation and rewrites it when handed a changed record;
- :class:`ConversationInbox` — "has an inbox" (peer → Omi, one way): items the user dropped
  there are sent to Omi as conversations, then set aside with a link to what was created.

The flows never call a writing method (``export_conversations``, ``inbox_mark_sent``) in a dry
run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from omisync.conversations.records import ConversationRecord, Segment

__all__ = [
    "ConversationExportTarget",
    "ConversationInbox",
    "ExportResult",
    "InboxItem",
    "InboxListing",
    "InboxText",
    "InboxTranscript",
    "SentConversation",
]


@dataclass(slots=True)
class ExportResult:
    """What one export did, per conversation id.

    ``written``: id → where its copy now is (e.g. a vault-relative path); ``unchanged``: ids
    whose copy already showed the record; ``failed``: id → why its copy could not be written
    (it is retried next cycle); ``problems``: other things the user should know (e.g. an
    unreadable note in the conversations folder).
    """

    written: dict[str, str] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InboxText:
    """An inbox item that is plain text (trimmed, without any metadata header)."""

    text: str


@dataclass(frozen=True, slots=True)
class InboxTranscript:
    """An inbox item that is a transcript: its segments in order."""

    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class SentConversation:
    """The conversation Omi made of an inbox item; ``discarded`` when Omi judged it not worth
    keeping (it then never shows in Omi's conversation list)."""

    conversation_id: str
    discarded: bool = False


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One item waiting in a peer's inbox.

    ``path`` names it for the user; ``key`` is stable for the item's place and content (a new
    key means new content); ``sent`` is set when the item itself records that it was already
    sent (an interrupted set-aside): it must only be set aside, never sent again.
    """

    path: str
    key: str
    payload: InboxText | InboxTranscript
    sent: SentConversation | None = None


@dataclass(frozen=True, slots=True)
class InboxListing:
    """The items waiting in an inbox, the problems of those that cannot be used (each naming
    the item and the fix), and notes that are not problems (e.g. files still being edited,
    sent next cycle)."""

    items: tuple[InboxItem, ...]
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@runtime_checkable
class ConversationExportTarget(Protocol):
    """A peer that keeps a copy of each Omi conversation (one way: Omi → peer)."""

    def export_conversations(self, conversations: Sequence[ConversationRecord]) -> ExportResult:
        """Write or refresh the copy of each conversation; return the outcome per id.

        Never raises for one conversation (its failure goes into ``failed``); raises
        :class:`omisync.sync.side.SideError` when the peer cannot be written at all.
        """
        ...


@runtime_checkable
class ConversationInbox(Protocol):
    """A peer with an inbox whose items become Omi conversations (one way: peer → Omi)."""

    def inbox_pending(self) -> InboxListing:
        """The items ready to send (not ones still being edited). Read-only.

        Raises :class:`omisync.sync.side.ListingError` when the inbox cannot be read.
        """
        ...

    def inbox_mark_sent(self, item: InboxItem, sent: SentConversation) -> str:
        """Set ``item`` aside, recording the conversation it became (and that Omi discarded
        it, if so); return where it now is.

        Raises :class:`omisync.sync.side.SideError` when it cannot (the item then stays in
        the inbox; the caller knows it was sent and only retries setting it aside).
        """
        ...
