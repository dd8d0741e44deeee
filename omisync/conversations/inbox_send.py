"""Peer inbox → Omi: send each inbox item as a conversation exactly once, crash or not.

For each item the intent is journaled first (``state.journal``: op ``create``, side ``omi``,
kind ``conversation``, stamp = the item's key) and committed; then it is sent:

- a **transcript** through ``POST /conversations/from-segments`` with ``client_session_id`` =
  the key, which Omi makes idempotent: sending it again returns the same conversation;
- **plain text** through ``POST /conversations``, which is not idempotent. It is sent with an
  explicit ``started_at`` that is unique per connector (recorded in the journal), the
  fingerprint a later run looks for.

Then, in one transaction, the journal entry is marked done and the result parked (cursor kind
``conversation.sent``); then the peer sets the item aside with a link to the conversation, and
the parked result is dropped. On the next run:

- a **pending** entry (the process died around the POST) is settled before anything is sent:
  a transcript is simply sent again (same conversation); for text, Omi's recent conversations
  are searched for the recorded ``started_at`` — found, the item is linked to it; not found,
  the entry is marked failed and the item sent again. (Omi never lists a *discarded*
  conversation, so a discarded text caught by a crash in that window is sent a second time,
  and discarded again.)
- a **parked** result (died before setting aside) is only set aside, never sent again.

Omi's answers decide the rest: a rejection (400/422) marks the entry failed and records a
refusal (shown by ``omisync status``) until the item changes; an answer that leaves the outcome
unknown (timeout, 5xx, 409) keeps the entry pending for the next run and stops this pass, as
does an error that will hit every item (auth, scope, rate limit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from omisync.conversations.capabilities import (
    ConversationInbox,
    InboxItem,
    InboxTranscript,
    SentConversation,
)
from omisync.conversations.context import KIND, SENT_KIND, FlowContext
from omisync.omi import (
    ConflictError,
    MalformedResponseError,
    NewSegment,
    OmiError,
    ServerError,
    TransportError,
    UnexpectedStatusError,
    ValidationError,
)
from omisync.state import Intent, JournalEntry, JournalOp, JournalStatus, SideName
from omisync.sync.side import SideError

__all__ = ["send_inbox"]

#: How far before a pending text send's intent Omi's conversations are searched (clock skew).
SEARCH_SLACK = timedelta(days=1)

#: Errors after which Omi may or may not have created the conversation.
_OUTCOME_UNKNOWN = (
    ServerError,
    TransportError,
    MalformedResponseError,
    ConflictError,
    UnexpectedStatusError,
)


class _StopPass(Exception):
    """Stop sending for this run (the message says why); the rest waits for the next run."""


def _new_segments(transcript: InboxTranscript) -> list[NewSegment]:
    """Omi segments: each distinct speaker gets its own ``SPEAKER_nn`` label, in order."""
    numbers: dict[str, int] = {}
    segments = []
    for segment in transcript.segments:
        number = numbers.setdefault(segment.speaker.casefold(), len(numbers))
        segments.append(
            NewSegment(
                text=segment.text,
                start=segment.start,
                end=segment.end,
                speaker=f"SPEAKER_{number:02d}",
                speaker_id=number,
                is_user=segment.is_user,
            )
        )
    return segments


def _started_at(entry: JournalEntry) -> datetime | None:
    value = entry.payload.get("started_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


class _InboxSend:
    """One pass over one connector's inbox."""

    def __init__(self, ctx: FlowContext, inbox: ConversationInbox, now: datetime) -> None:
        self.ctx = ctx
        self.inbox = inbox
        self.now = now.replace(microsecond=0)
        state = ctx.state
        entries = [e for e in state.journal.entries(ctx.connector) if e.kind == KIND]
        self.latest = {e.stamp: e for e in entries if e.stamp}  # oldest first: last one wins
        self.claimed = {e.item_id for e in entries if e.status is JournalStatus.DONE and e.item_id}
        starts = [s for e in entries if (s := _started_at(e)) is not None]
        self.last_start = max(starts, default=None)
        self.parked = state.cursors.all(ctx.connector, SENT_KIND)
        self.refused_before = {
            r.item_id: r.reason for r in state.refusals.all(ctx.connector) if r.kind == KIND
        }
        self.refused: dict[str, str] = {}

    # --- the pass ---------------------------------------------------------------------------

    def run(self) -> None:
        report = self.ctx.report
        try:
            listing = self.inbox.inbox_pending()
        except SideError as error:
            report.errors.append(f"could not read the inbox, nothing sent: {error}")
            return
        report.errors.extend(listing.problems)
        report.notes.extend(listing.notes)
        if self.ctx.dry_run:
            report.done["would_send"] += sum(1 for i in listing.items if self._unsent(i))
            return
        self._drop_stale_parked({item.key for item in listing.items})
        complete = True
        try:
            for item in listing.items:
                self._handle(item)
        except _StopPass as stop:
            report.errors.append(str(stop))
            complete = False
        refusals = {(SideName.PEER, path): reason for path, reason in self.refused.items()}
        self.ctx.state.refusals.replace(self.ctx.connector, KIND, refusals, clear_others=complete)

    def _unsent(self, item: InboxItem) -> bool:
        entry = self.latest.get(item.key)
        done = entry is not None and entry.status is JournalStatus.DONE
        return not (item.sent or item.key in self.parked or done or self._still_refused(item))

    def _still_refused(self, item: InboxItem) -> bool:
        entry = self.latest.get(item.key)
        failed = entry is not None and entry.status is JournalStatus.FAILED
        return failed and item.path in self.refused_before

    def _drop_stale_parked(self, pending: set[str]) -> None:
        """Forget parked results whose item left the inbox (set aside, or removed)."""
        for key in [key for key in self.parked if key not in pending]:
            self.ctx.state.cursors.clear(self.ctx.connector, SENT_KIND, key)
            del self.parked[key]

    def _handle(self, item: InboxItem) -> None:
        if item.sent is not None:
            self._set_aside(item, item.sent)
            return
        parked = self.parked.get(item.key)
        if isinstance(parked, dict):
            sent = SentConversation(str(parked["id"]), bool(parked.get("discarded")))
            self._set_aside(item, sent)
            return
        entry = self.latest.get(item.key)
        if entry is not None and entry.status is JournalStatus.DONE and entry.item_id:
            self._set_aside(item, SentConversation(entry.item_id))
            return
        if entry is not None and entry.status is JournalStatus.PENDING:
            if self._recovered(item, entry):
                return
        elif self._still_refused(item):
            self._refuse(item, self.refused_before[item.path])
            return
        self._send(item)

    # --- sending ----------------------------------------------------------------------------

    def _send(self, item: InboxItem) -> None:
        started = self._next_start()
        form = "transcript" if isinstance(item.payload, InboxTranscript) else "text"
        intent = Intent(
            connector=self.ctx.connector,
            kind=KIND,
            side=SideName.OMI,
            op=JournalOp.CREATE,
            payload={"path": item.path, "form": form, "started_at": started.isoformat()},
            stamp=item.key,
        )
        self.ctx.step("intending")
        [entry_id] = self.ctx.state.journal.intend([intent])
        self.ctx.step("intended")
        sent = self._post(entry_id, item, started)
        if sent is not None:
            self._settle(entry_id, item, sent)

    def _next_start(self) -> datetime:
        """Now, to the second, but later than every ``started_at`` sent before."""
        start = self.now
        if self.last_start is not None and start <= self.last_start:
            start = self.last_start + timedelta(seconds=1)
        self.last_start = start
        return start

    def _post(self, entry_id: int, item: InboxItem, started: datetime) -> SentConversation | None:
        """Send ``item``; None when Omi rejected it (recorded). Raises _StopPass."""
        conversations = self.ctx.client.conversations
        try:
            if isinstance(item.payload, InboxTranscript):
                created = conversations.create_from_segments(
                    _new_segments(item.payload), client_session_id=item.key, started_at=started
                )
            else:
                created = conversations.create_from_text(item.payload.text, started_at=started)
        except ValidationError as error:
            self.ctx.state.journal.mark_failed(entry_id, error.message)
            self._refuse(item, f"Omi refused it ({error.message}); edit the file to send it again")
            return None
        except _OUTCOME_UNKNOWN as error:
            self.ctx.state.journal.record_attempt(entry_id, str(error))
            raise _StopPass(
                f"{item.path}: {error}; whether Omi received it is checked before it is sent "
                "again next run"
            ) from None
        except OmiError as error:
            self.ctx.state.journal.mark_failed(entry_id, str(error))
            raise _StopPass(f"{item.path}: not sent: {error}") from None
        self.ctx.step("sent")
        return SentConversation(created.id, created.discarded)

    def _settle(self, entry_id: int, item: InboxItem, sent: SentConversation) -> None:
        """Record the send (journal done + parked result, one commit), then set it aside."""
        state = self.ctx.state
        parked = {"id": sent.conversation_id, "discarded": sent.discarded}
        with state.transaction():
            state.journal.mark_done(entry_id, item_id=sent.conversation_id)
            state.cursors.set(self.ctx.connector, SENT_KIND, item.key, parked)
        self.claimed.add(sent.conversation_id)
        self.ctx.report.done["sent"] += 1
        if sent.discarded:
            self.ctx.report.done["discarded"] += 1
        self._set_aside(item, sent)

    def _set_aside(self, item: InboxItem, sent: SentConversation) -> None:
        try:
            where = self.inbox.inbox_mark_sent(item, sent)
        except SideError as error:
            self.ctx.report.errors.append(
                f"{item.path} became Omi conversation {sent.conversation_id} but could not be "
                f"set aside ({error}); it is moved next run, never sent again"
            )
            return
        self.ctx.state.cursors.clear(self.ctx.connector, SENT_KIND, item.key)
        self.parked.pop(item.key, None)
        if sent.discarded:
            self.ctx.report.notes.append(
                f"{item.path}: Omi discarded the conversation made of it (nothing worth "
                f"keeping, it says); moved to {where}, which says so"
            )
        self.ctx.step("committed")

    def _refuse(self, item: InboxItem, reason: str) -> None:
        self.refused[item.path] = reason
        self.ctx.report.errors.append(f"{item.path}: {reason}")

    # --- after a crash ----------------------------------------------------------------------

    def _recovered(self, item: InboxItem, entry: JournalEntry) -> bool:
        """Settle a send an interrupted run left pending; False when it must be sent again."""
        started = _started_at(entry) or self.now
        if entry.payload.get("form") == "transcript":
            sent = self._post(entry.entry_id, item, started)  # idempotent: same session id
        else:
            sent = self._find_text(item, entry, started)
            if sent is None:
                self.ctx.state.journal.mark_failed(
                    entry.entry_id, "not found in Omi after an interrupted run; sent again"
                )
                return False
        if sent is not None:
            self.ctx.report.done["recovered"] += 1
            self._settle(entry.entry_id, item, sent)
        return True

    def _find_text(
        self, item: InboxItem, entry: JournalEntry, started: datetime
    ) -> SentConversation | None:
        """The conversation a pending text send created, found by its ``started_at``."""
        since = entry.created_at - SEARCH_SLACK
        try:
            for conversation in self.ctx.client.conversations.iter(start_date=since):
                when = conversation.started_at
                if when is None or conversation.id in self.claimed:
                    continue
                if when.astimezone(UTC).replace(microsecond=0) == started:
                    return SentConversation(conversation.id)
        except OmiError as error:
            raise _StopPass(
                f"{item.path}: could not check whether an interrupted run sent it ({error}); "
                "nothing is sent until that is known"
            ) from None
        return None


def send_inbox(
    ctx: FlowContext,
    inbox: ConversationInbox,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Send the inbox's items to Omi, each exactly once; count and report into ``ctx.report``
    (``sent``, ``discarded``, ``recovered``; ``would_send`` in a dry run).

    Omi and peer failures are reported, not raised; state DB errors
    (:class:`omisync.state.StateError`) are raised, and so is whatever ``ctx.checkpoint``
    raises.
    """
    _InboxSend(ctx, inbox, clock()).run()
