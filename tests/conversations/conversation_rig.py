"""A test rig for the conversation flows: the real Omi client against the Omi emulator, a real
state DB file and a real Markdown vault (the markdown connector is the peer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from omisync.connectors.markdown import MarkdownOptions, MarkdownSide
from omisync.conversations import ConversationFlows, ConversationReport
from omisync.conversations.export import ExportSchedule
from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient, RetryPolicy
from omisync.ratelimit import RateLimiter
from omisync.state import StateDB
from omisync.sync.options import Direction

CONNECTOR = "vault"
ZONE = ZoneInfo("Europe/Berlin")
INBOX = "Omi/Inbox"
SENT = "Omi/Inbox/Sent"
CONVERSATIONS = "Omi/Conversations"


class Crash(Exception):
    """Raised from a checkpoint to stop a run the way a killed process would stop."""


def crash_at(step: str, *, after: int = 0) -> Callable[[str], None]:
    """A checkpoint that raises :class:`Crash` the ``after + 1``-th time ``step`` is passed."""
    seen = {"count": 0}

    def checkpoint(name: str) -> None:
        if name == step:
            seen["count"] += 1
            if seen["count"] > after:
                raise Crash(step)

    return checkpoint


def conversation(
    title: str,
    *,
    age: timedelta,
    lines: Sequence[tuple[str, str]] = (("SPEAKER_01", "Hello there"), ("SPEAKER_00", "Hi")),
    now: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A seed conversation created ``age`` ago, with a transcript of ``lines`` (speaker, text)."""
    created = (now or datetime.now(UTC)) - age
    return {
        "title": title,
        "overview": f"About {title.lower()}.",
        "emoji": "🗓️",
        "category": "work",
        "created_at": created.isoformat(),
        "started_at": (created - timedelta(minutes=5)).isoformat(),
        "finished_at": created.isoformat(),
        "transcript_segments": [
            {
                "text": text,
                "start": 2.0 * index,
                "end": 2.0 * index + 1.5,
                "speaker": speaker,
                "is_user": speaker == "SPEAKER_00",
            }
            for index, (speaker, text) in enumerate(lines)
        ],
        **fields,
    }


class Rig:
    """One connector's conversation flows: ``run()`` is one cycle (a fresh vault side, as a
    new process would build; the same state DB file)."""

    def __init__(self, emulator: RunningEmulator, root: Path) -> None:
        self.emulator = emulator
        self.vault = root / "vault"
        self.vault.mkdir()
        self.state = StateDB.open(root / "state.db")
        self.client = self.make_client(emulator.api_key)

    def make_client(self, api_key: str) -> OmiClient:
        """A client of the emulator whose retries never sleep."""
        return OmiClient(
            self.emulator.base_url,
            api_key,
            timeout=5.0,
            limiter=RateLimiter("omi"),
            retry=RetryPolicy(max_attempts=2, sleep=lambda _seconds: None),
        )

    def close(self) -> None:
        """Close the client and the state DB."""
        self.client.close()
        self.state.close()

    def side(self) -> MarkdownSide:
        """A new markdown side on the vault (no settle wait)."""
        options = MarkdownOptions.parse({"path": str(self.vault), "settle": 0})
        return MarkdownSide(CONNECTOR, options, zone=ZONE)

    def run(
        self,
        direction: Direction = Direction.BOTH,
        *,
        dry_run: bool = False,
        checkpoint: Callable[[str], None] | None = None,
        now: datetime | None = None,
        client: OmiClient | None = None,
    ) -> ConversationReport:
        """One cycle of the flows (the inbox, then the export); the report."""
        flows = ConversationFlows.for_peer(
            self.state,
            client or self.client,
            self.side(),
            direction,
            connector=CONNECTOR,
            dry_run=dry_run,
            checkpoint=checkpoint,
            schedule=ExportSchedule(overlap=timedelta(days=2), sweep_every=timedelta(hours=12)),
            clock=(lambda: now) if now is not None else (lambda: datetime.now(UTC)),
        )
        assert flows is not None  # the vault has an inbox and accepts exports
        flows.send_inbox()
        flows.export()
        return flows.report

    # --- the vault ------------------------------------------------------------------------

    def drop(self, name: str, text: str) -> Path:
        """Put a file into the inbox."""
        path = self.vault / INBOX / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def inbox_files(self) -> list[str]:
        """Names of the files waiting in the inbox."""
        folder = self.vault / INBOX
        return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []

    def sent(self, name: str) -> str:
        """The text of a file set aside in ``Sent/``."""
        return (self.vault / SENT / name).read_text(encoding="utf-8")

    def notes(self) -> dict[str, str]:
        """Conversation notes by file name."""
        folder = self.vault / CONVERSATIONS
        if not folder.exists():
            return {}
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}

    # --- Omi ------------------------------------------------------------------------------

    def seed(self, *conversations: dict[str, Any]) -> list[str]:
        """Store conversations in the emulator as given; their ids."""
        return self.emulator.seed({"conversations": list(conversations)})["conversations"]

    def stored(self) -> list[dict[str, Any]]:
        """Every conversation the emulator holds (discarded ones too), oldest first."""
        rows = self.emulator.records()["conversations"]
        return sorted(rows, key=lambda row: str(row["created_at"]))

    def requests(self) -> list[dict[str, Any]]:
        """The ``/v1/dev`` requests since the last :meth:`clear_requests`."""
        return list(self.emulator.stats()["requests"])

    def writes(self) -> int:
        """How many write requests (POST, PATCH, DELETE) since the last clear."""
        return int(self.emulator.stats()["writes"])

    def clear_requests(self) -> None:
        """Empty the emulator's request log."""
        self.emulator.clear_stats()
