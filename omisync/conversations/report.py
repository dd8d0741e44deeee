"""What the conversation flows of one connector did, and a connector's whole report.

:class:`ConversationReport` counts the flows' work; :class:`ConnectorReport` is the runner's
:class:`~omisync.sync.report.SyncReport` (tasks and notes) with the conversation report
attached, so ``omisync run`` shows, counts and exits on both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from omisync.sync.report import SyncReport

__all__ = ["ConnectorReport", "ConversationReport"]


@dataclass
class ConversationReport:
    """The conversation flows of one connector in one run.

    ``done`` counts, for a real run: ``exported`` (copies written in the peer), ``sent``
    (inbox items that became Omi conversations), ``discarded`` (of those, how many Omi
    discarded), ``recovered`` (sends of an interrupted run found in Omi and settled). In a dry
    run it counts ``would_export`` and ``would_send``. ``errors`` are messages for the user
    (never secrets); each names the item and the fix. ``notes`` are things worth telling that
    are not errors (e.g. Omi discarded what an inbox file became).
    """

    done: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def describe(self) -> str:
        """What a dry run would do, in words ('' when nothing)."""
        parts = []
        if self.done["would_export"]:
            parts.append(f"export {self.done['would_export']} conversation(s) from Omi")
        if self.done["would_send"]:
            parts.append(f"send {self.done['would_send']} inbox item(s) to Omi")
        return f"conversations: would {' and '.join(parts)}" if parts else ""


@dataclass
class ConnectorReport(SyncReport):
    """A connector's :class:`SyncReport` plus its conversation flows (``None`` when they did
    not run: the direction is ``off`` or the peer has neither capability)."""

    conversations: ConversationReport | None = None

    @classmethod
    def combine(
        cls, report: SyncReport, conversations: ConversationReport | None
    ) -> ConnectorReport:
        """``report`` with ``conversations`` attached."""
        copied = {f.name: getattr(report, f.name) for f in fields(SyncReport)}
        return cls(**copied, conversations=conversations)

    @property
    def errors(self) -> list[str]:
        """Every error of every kind, conversations included."""
        own = self.conversations.errors if self.conversations else []
        return [*super().errors, *(f"conversations: {error}" for error in own)]

    def counts(self) -> dict[str, int]:
        """The run's numbers, e.g. ``{"task.created_omi": 2, "conversation.exported": 3}``."""
        tally = super().counts()
        if self.conversations:
            for key, count in sorted(self.conversations.done.items()):
                if count:
                    tally[f"conversation.{key}"] = count
        return tally

    def describe(self) -> str:
        """The plans in words, what the conversation flows would do, then the errors."""
        text = super().describe()
        extra = self.conversations.describe() if self.conversations else ""
        if not extra:
            return text
        said_something = any(kind.plan for kind in self.kinds) or self.errors
        return f"{text}\n{extra}" if said_something else extra
