"""A connector's conversation flows in one run: its inbox → Omi, and Omi → its export target.

The session sends the inbox *before* the task/note runner and exports *after* it: what Omi
extracts from a sent conversation (action items, memories) then reaches the peer in the same
run, and so does the conversation itself, so a second run in a row has nothing to do.
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

__all__ = ["ConversationFlows"]

_log = structlog.get_logger("omisync.conversations")


class ConversationFlows:
    """The flows ``direction`` allows and the peer supports; build with :meth:`for_peer`.

    Call :meth:`send_inbox`, then :meth:`export`; both count into :attr:`report`. Omi and
    peer failures go into the report; state DB errors and whatever ``checkpoint`` raises
    propagate.
    """

    def __init__(
        self,
        ctx: FlowContext,
        *,
        inbox: ConversationInbox | None,
        target: ConversationExportTarget | None,
        schedule: ExportSchedule | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ctx = ctx
        self.inbox = inbox
        self.target = target
        self.schedule = schedule
        self.clock = clock

    @classmethod
    def for_peer(
        cls,
        state: StateDB,
        client: OmiClient,
        peer: object,
        direction: Direction,
        *,
        connector: str,
        dry_run: bool = False,
        checkpoint: Checkpoint | None = None,
        schedule: ExportSchedule | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> ConversationFlows | None:
        """The flows of connector ``connector`` (its side is ``peer``), or None when there
        are none: ``to_omi`` sends the inbox of a :class:`ConversationInbox`, ``from_omi``
        exports to a :class:`ConversationExportTarget`, ``both`` does both."""
        inbox = peer if direction.writes_omi and isinstance(peer, ConversationInbox) else None
        target = (
            peer if direction.writes_peer and isinstance(peer, ConversationExportTarget) else None
        )
        if inbox is None and target is None:
            return None
        report = ConversationReport(dry_run=dry_run)
        ctx = FlowContext(state, client, connector, report, dry_run=dry_run, checkpoint=checkpoint)
        return cls(ctx, inbox=inbox, target=target, schedule=schedule, clock=clock)

    @property
    def report(self) -> ConversationReport:
        """What the flows did so far."""
        return self.ctx.report

    def send_inbox(self) -> None:
        """Send the peer's inbox to Omi (when that flow runs)."""
        if self.inbox is not None:
            send_inbox(self.ctx, self.inbox, clock=self.clock)

    def export(self) -> None:
        """Export Omi's new and changed conversations to the peer (when that flow runs),
        then log what the flows did."""
        if self.target is not None:
            export_conversations(self.ctx, self.target, schedule=self.schedule, clock=self.clock)
        report = self.report
        _log.info(
            "conversations.synced",
            dry_run=report.dry_run,
            errors=len(report.errors),
            **{key: count for key, count in report.done.items() if count},
        )
