"""Turn sync reports into the short lines a person reads after a run."""

from __future__ import annotations

from omisync.conversations import ConnectorReport, ConversationReport
from omisync.sync.describe import conflict_line, refusal_lines
from omisync.sync.report import SyncReport
from omisync.wording import count_phrase

#: The most problems a kind lists in the run output; the log has every one.
PROBLEMS_SHOWN = 10


def summarise(report: SyncReport) -> list[str]:
    """One line per kind: what was written where (``in sync`` when nothing needed writing,
    ``not synced`` when the kind failed), then its errors, its problems (what the sides could
    not use, each once, at most :data:`PROBLEMS_SHOWN`), its conflicts and each distinct
    refusal reason, items named by their place where the side gave one."""
    lines: list[str] = []
    for kind in report.kinds:
        parts = [
            count_phrase(key, count, report.connector)
            for key, count in sorted(kind.done.items())
            if count
        ]
        if kind.plan is not None:
            if kind.plan.conflicts:
                parts.append(f"{len(kind.plan.conflicts)} conflict(s)")
            if kind.plan.refusals:
                parts.append(f"{len(kind.plan.refusals)} refused")
        text = ", ".join(parts) if parts else ("not synced" if kind.errors else "in sync")
        head = f"{report.connector} · {kind.kind}s"
        lines.append(f"{head}: {text}")
        lines.extend(f"{head}: error: {e}" for e in kind.errors)
        lines.extend(f"{head}: {problem}" for problem in kind.problems[:PROBLEMS_SHOWN])
        if len(kind.problems) > PROBLEMS_SHOWN:
            more = len(kind.problems) - PROBLEMS_SHOWN
            lines.append(f"{head}: … and {more} more problem(s), each in the log")
        if kind.plan is not None:
            peer = report.connector
            lines.extend(f"{head}: {conflict_line(c, peer)}" for c in kind.plan.conflicts)
            # One line per reason: a held-back mass deletion refuses every item for one reason.
            lines.extend(f"{head}: refused: {line}" for line in refusal_lines(kind.plan.refusals))
    if isinstance(report, ConnectorReport) and report.conversations is not None:
        lines.extend(_conversation_lines(report.connector, report.conversations))
    return lines


def _conversation_lines(peer: str, report: ConversationReport) -> list[str]:
    """``conversations: 2 exported to vault, 1 sent to Omi (1 discarded by Omi)``, then the
    errors and notes."""
    done = report.done
    parts = [f"{done['exported']} exported to {peer}"] if done["exported"] else []
    if done["sent"]:
        discarded = f" ({done['discarded']} discarded by Omi)" if done["discarded"] else ""
        parts.append(f"{done['sent']} sent to Omi{discarded}")
    if done["recovered"]:
        parts.append(f"{done['recovered']} recovered from an interrupted run")
    text = ", ".join(parts) if parts else ("nothing done" if report.errors else "in sync")
    lines = [f"{peer} · conversations: {text}"]
    lines.extend(f"{peer} · conversations: error: {error}" for error in report.errors)
    lines.extend(f"{peer} · conversations: {note}" for note in report.notes)
    return lines
