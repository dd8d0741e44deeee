"""What both conversation flows work with: the state DB, the Omi client, and their report.

The flows keep their state under the connector's name in the state DB, with these kinds:

- ``conversation`` — journal entries of inbox sends (stamp: the item's key), refusals of inbox
  items Omi rejected, and the export's cursors (``export.watermark``, ``export.swept_at``);
- ``conversation.exported`` — one cursor per exported conversation id: the hashes of the
  record last handed to the peer;
- ``conversation.sent`` — one cursor per inbox key that was sent but not yet set aside.
"""

from __future__ import annotations

from dataclasses import dataclass

from omisync.conversations.report import ConversationReport
from omisync.omi import OmiClient
from omisync.state import StateDB
from omisync.sync.runner import Checkpoint

__all__ = ["EXPORTED_KIND", "KIND", "SENT_KIND", "FlowContext"]

KIND = "conversation"
EXPORTED_KIND = "conversation.exported"
SENT_KIND = "conversation.sent"


@dataclass(frozen=True)
class FlowContext:
    """One connector's conversation flows in one run.

    ``checkpoint`` (through :meth:`step`) is called at each durable step of an inbox send:
    ``"intended"`` (journal entry committed, the POST comes next), ``"sent"`` (Omi answered;
    nothing recorded yet) and ``"committed"`` (the item is recorded and set aside). Tests
    raise from it to simulate a crash.
    """

    state: StateDB
    client: OmiClient
    connector: str
    report: ConversationReport
    dry_run: bool = False
    checkpoint: Checkpoint | None = None

    def step(self, name: str) -> None:
        """Pass the checkpoint ``name``; raises whatever the checkpoint raises."""
        if self.checkpoint is not None:
            self.checkpoint(name)
