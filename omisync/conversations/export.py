"""Omi → peer: hand the peer each new or changed Omi conversation, and only those.

How a cycle chooses what to read (Omi lists conversations newest first by ``created_at``, with
no ``updated_at``, and only 25 per page with transcripts):

- **first run** (no watermark): the whole listing, with transcripts;
- **usual cycle**: only conversations created since the *watermark* (the newest ``created_at``
  exported) minus an overlap window, with transcripts — a few requests, whatever the size of
  the account. The overlap catches conversations Omi finished processing late and recent edits;
- **sweep** (every ``sweep_every``): the whole listing *without* transcripts (pages of 100),
  to catch later changes to older conversations (a new title, an action item ticked); each one
  whose summary changed is then read by id with its transcript.

For every conversation exported the state keeps two hashes (cursor kind
``conversation.exported``): of the whole record and of the record without its transcript. A
record whose hash is unchanged is not handed to the peer at all, so an unchanged account costs
no peer reads and no writes. A conversation the peer could not write keeps its old hash and
holds the watermark back, so the next cycle reads it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from omisync.conversations.capabilities import ConversationExportTarget
from omisync.conversations.context import EXPORTED_KIND, KIND, FlowContext
from omisync.conversations.records import (
    ConversationRecord,
    RecordError,
    record_from_omi,
    record_hash,
    summary_hash,
)
from omisync.omi import Conversation, NotFoundError, OmiError
from omisync.sync.side import SideError

__all__ = ["ExportSchedule", "export_conversations"]

WATERMARK = "export.watermark"
SWEPT_AT = "export.swept_at"


@dataclass(frozen=True, slots=True)
class ExportSchedule:
    """How far back a usual cycle re-reads, and how often the whole listing is swept."""

    overlap: timedelta = timedelta(days=2)
    sweep_every: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class _Fingerprint:
    full: str
    summary: str

    @classmethod
    def of(cls, record: ConversationRecord) -> _Fingerprint:
        return cls(record_hash(record), summary_hash(record))

    @classmethod
    def load(cls, value: Any) -> _Fingerprint | None:
        if isinstance(value, dict) and {"full", "summary"} <= value.keys():
            return cls(str(value["full"]), str(value["summary"]))
        return None

    def dump(self) -> dict[str, str]:
        return {"full": self.full, "summary": self.summary}


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Export:
    """One cycle of the export for one connector."""

    def __init__(
        self,
        ctx: FlowContext,
        target: ConversationExportTarget,
        schedule: ExportSchedule,
        now: datetime,
    ) -> None:
        self.ctx = ctx
        self.target = target
        self.schedule = schedule
        self.now = now
        cursors = ctx.state.cursors
        self.known = {
            cid: fp
            for cid, value in cursors.all(ctx.connector, EXPORTED_KIND).items()
            if (fp := _Fingerprint.load(value)) is not None
        }
        self.watermark = _parse_time(cursors.get(ctx.connector, KIND, WATERMARK))
        self.swept_at = _parse_time(cursors.get(ctx.connector, KIND, SWEPT_AT))

    def run(self) -> None:
        report = self.ctx.report
        sweep = self.swept_at is None or self.now - self.swept_at >= self.schedule.sweep_every
        try:
            if self.watermark is None:
                records = self._records(self.ctx.client.conversations.iter(include_transcript=True))
            elif sweep:
                records = self._swept()
            else:
                start = self.watermark - self.schedule.overlap
                listing = self.ctx.client.conversations.iter(
                    include_transcript=True, start_date=start
                )
                records = self._records(listing)
        except OmiError as error:
            report.errors.append(f"could not read Omi's conversations, none exported: {error}")
            return
        changed = [r for r in records if self._changed(r)]
        changed.sort(key=lambda record: (record.created_at, record.id))
        if self.ctx.dry_run:
            report.done["would_export"] += len(changed)
            return
        try:
            result = self.target.export_conversations(changed) if changed else None
        except SideError as error:
            report.errors.append(f"could not export conversations: {error}")
            return
        failed = set(result.failed) if result else set()
        if result:
            report.done["exported"] += len(result.written)
            report.errors.extend(result.failed.values())
            report.errors.extend(result.problems)
        self._save(records, changed, failed, swept=sweep or self.watermark is None)

    def _records(self, conversations: Iterable[Conversation]) -> list[ConversationRecord]:
        records = []
        for conversation in conversations:
            try:
                records.append(record_from_omi(conversation))
            except RecordError as error:
                self.ctx.report.errors.append(str(error))
        return records

    def _swept(self) -> list[ConversationRecord]:
        """The whole listing without transcripts; changed summaries re-read with theirs."""
        listing = self._records(self.ctx.client.conversations.iter(include_transcript=False))
        records = []
        for summary in listing:
            known = self.known.get(summary.id)
            if known is not None and known.summary == summary_hash(summary):
                records.append(summary)
                continue
            try:
                full = self.ctx.client.conversations.get(summary.id, include_transcript=True)
            except NotFoundError:
                continue  # deleted since it was listed
            records.extend(self._records([full]))
        return records

    def _changed(self, record: ConversationRecord) -> bool:
        known = self.known.get(record.id)
        if known is None:
            return True
        if record.transcript:
            return known.full != record_hash(record)
        return known.summary != summary_hash(record)  # listed without its transcript

    def _save(
        self,
        records: list[ConversationRecord],
        changed: list[ConversationRecord],
        failed: set[str],
        *,
        swept: bool,
    ) -> None:
        """Store the new fingerprints and cursors in one transaction."""
        state, connector = self.ctx.state, self.ctx.connector
        newest = max((r.created_at for r in records), default=self.watermark)
        held_back = [r.created_at for r in changed if r.id in failed]
        if newest is not None and held_back:
            newest = min(newest, *held_back)
        if self.watermark is not None and newest is not None and not held_back:
            newest = max(newest, self.watermark)
        with state.transaction():
            for record in changed:
                if record.id not in failed:
                    fingerprint = _Fingerprint.of(record).dump()
                    state.cursors.set(connector, EXPORTED_KIND, record.id, fingerprint)
            if newest is not None:
                state.cursors.set(connector, KIND, WATERMARK, newest.isoformat())
            if swept:
                state.cursors.set(connector, KIND, SWEPT_AT, self.now.isoformat())


def export_conversations(
    ctx: FlowContext,
    target: ConversationExportTarget,
    *,
    schedule: ExportSchedule | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Export Omi's new and changed conversations to ``target``; count and report into
    ``ctx.report`` (``exported``, or ``would_export`` in a dry run).

    Omi and peer failures are reported, not raised; state DB errors
    (:class:`omisync.state.StateError`) are raised.
    """
    _Export(ctx, target, schedule or ExportSchedule(), clock()).run()
