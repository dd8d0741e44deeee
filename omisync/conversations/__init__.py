"""Conversations, one way each: Omi → a peer's export target, a peer's inbox → Omi.

The contract a connector implements (it never needs the rest):

- :class:`ConversationRecord` (with :class:`ConversationTask` and :class:`Segment`): a
  conversation as a peer receives it;
- :class:`ConversationExportTarget`: "accepts conversation exports"
  (``export_conversations(records) -> ExportResult``);
- :class:`ConversationInbox`: "has an inbox" (``inbox_pending() -> InboxListing`` of
  :class:`InboxItem` with an :class:`InboxText` or :class:`InboxTranscript` payload, and
  ``inbox_mark_sent(item, SentConversation) -> str``).

The session runs a connector's :class:`ConversationFlows` (under its ``conversations: both |
to_omi | from_omi | off`` setting): the inbox is sent before its tasks and notes sync, the
export runs after them; a :class:`ConnectorReport` reports all of it.
"""

from omisync.conversations.capabilities import (
    ConversationExportTarget,
    ConversationInbox,
    ExportResult,
    InboxItem,
    InboxListing,
    InboxText,
    InboxTranscript,
    SentConversation,
)
from omisync.conversations.flows import ConversationFlows
from omisync.conversations.records import (
    ConversationRecord,
    ConversationTask,
    RecordError,
    Segment,
    record_from_omi,
    record_hash,
    summary_hash,
)
from omisync.conversations.report import ConnectorReport, ConversationReport

__all__ = [
    "ConnectorReport",
    "ConversationExportTarget",
    "ConversationFlows",
    "ConversationInbox",
    "ConversationRecord",
    "ConversationReport",
    "ConversationTask",
    "ExportResult",
    "InboxItem",
    "InboxListing",
    "InboxText",
    "InboxTranscript",
    "RecordError",
    "Segment",
    "SentConversation",
    "record_from_omi",
    "record_hash",
    "summary_hash",
]
