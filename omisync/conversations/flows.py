"""Run a connector's conversation flows: its inbox → Omi, then Omi → its export target.

The inbox is sent first, so a conversation made from an inbox item is exported in the same
run (and a second run in a row has nothing to do).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from omisync.conversations.capabilities import ConversationExportTarget, ConversationInbox
from omisync.conversations.context import FlowContext
from omisync.conversations.export import ExportSchedule, export_conversations
from omisync.conversations.inbox_send import send_inbox
from omisync.conversations.report import ConversationReport
from omisync.omi import OmiClient
from omisync.state import StateDB
from omisync.sync.options import Direction
from omisync.sync.runner import Checkpoint

__all__ = ["sync_conversations"]

_log = structlog.get_logger("omisync.conversations")


def sync_conversations(
    state: StateDB,
    client: OmiClient,
    peer: object,
    direction: Direction,
    *,
    connector: str,
    dry_run: bool = False,
    run_id: int | None = None,
    checkpoint: Checkpoint | None = None,
    schedule: ExportSchedule | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ConversationReport | None:
    """Run the flows ``direction`` allows and ``peer`` supports; None when there are none.

    ``direction`` ``to_omi`` sends the peer's inbox (if it is a :class:`ConversationInbox`),
    ``from_omi`` exports to it (if it is a :class:`ConversationExportTarget`), ``both`` does
    both. Omi and peer failures are in the report; state DB errors and whatever
    ``checkpoint`` raises propagate.
    """
    sends = direction.writes_omi and isinstance(peer, ConversationInbox)
    exports = direction.writes_peer and isinstance(peer, ConversationExportTarget)
    if not (sends or exports):
        return None
    report = ConversationReport(dry_run=dry_run)
    ctx = FlowContext(
        state, client, connector, report, dry_run=dry_run, run_id=run_id, checkpoint=checkpoint
    )
    if sends:
        assert isinstance(peer, ConversationInbox)
        send_inbox(ctx, peer, clock=clock)
    if exports:
        assert isinstance(peer, ConversationExportTarget)
        export_conversations(ctx, peer, schedule=schedule, clock=clock)
    _log.info(
        "conversations.synced",
        connector=connector,
        dry_run=dry_run,
        errors=len(report.errors),
        **{key: count for key, count in report.done.items() if count},
    )
    return report
