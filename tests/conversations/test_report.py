"""A connector's report with its conversation flows: errors, counts, words and run output."""

from __future__ import annotations

from collections import Counter

from omisync.cli.render import summarise
from omisync.conversations import ConnectorReport, ConversationReport
from omisync.sync.links import Kind
from omisync.sync.report import KindReport, SyncReport


def _report(conversations: ConversationReport | None) -> ConnectorReport:
    tasks = KindReport(Kind.TASK, done=Counter({"created_omi": 2}))
    return ConnectorReport.combine(SyncReport("vault", 7, [tasks]), conversations)


def test_conversation_work_is_counted_shown_and_makes_errors() -> None:
    conversations = ConversationReport(
        done=Counter({"exported": 3, "sent": 2, "discarded": 1}),
        errors=["Omi/Inbox/x.md: the file is empty; write something or remove it"],
        notes=["Omi/Inbox/hi.md: Omi discarded the conversation made of it"],
    )
    report = _report(conversations)
    assert (report.connector, report.run_id) == ("vault", 7)
    assert report.counts() == {
        "conversation.discarded": 1,
        "conversation.exported": 3,
        "conversation.sent": 2,
        "task.created_omi": 2,
    }
    assert report.errors == [
        "conversations: Omi/Inbox/x.md: the file is empty; write something or remove it"
    ]
    assert summarise(report) == [
        "vault · tasks: 2 created in Omi",
        "vault · conversations: 3 exported to vault, 2 sent to Omi (1 discarded by Omi)",
        "vault · conversations: error: Omi/Inbox/x.md: the file is empty; write something or "
        "remove it",
        "vault · conversations: Omi/Inbox/hi.md: Omi discarded the conversation made of it",
    ]


def test_without_conversation_flows_the_report_is_the_sync_report() -> None:
    report = _report(None)
    assert report.errors == [] and report.counts() == {"task.created_omi": 2}
    assert summarise(report) == ["vault · tasks: 2 created in Omi"]
    assert report.describe() == "vault: nothing to sync"


def test_a_dry_run_says_what_the_flows_would_do() -> None:
    dry = ConversationReport(done=Counter({"would_export": 4, "would_send": 1}), dry_run=True)
    assert _report(dry).describe() == (
        "conversations: would export 4 conversation(s) from Omi and send 1 inbox item(s) to Omi"
    )
    assert _report(ConversationReport(dry_run=True)).describe() == "vault: nothing to sync"
