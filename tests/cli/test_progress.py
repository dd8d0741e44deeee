"""The progress line: what it draws on a terminal, when it stays silent, how log lines step
around it, and the counts a real first import feeds it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from cli_helpers import VaultSetup

from omisync.emulator import RunningEmulator
from omisync.logs import configure_logging
from omisync.progress import ProgressLine, SyncProgress
from omisync.ratelimit import Limit, RateLimiter, RateLimits
from omisync.ratelimit.testing import ManualClock
from omisync.session import Session

ERASE = "\r\x1b[K"


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal and keeps everything written to it."""

    def isatty(self) -> bool:
        return True


def drawn(terminal: FakeTerminal) -> list[str]:
    """The texts the line showed, in order (each draw starts by erasing the line)."""
    return [text for text in terminal.getvalue().split(ERASE) if text]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_it_draws_done_and_total_per_kind_on_one_line_and_erases_it_at_the_end() -> None:
    terminal = FakeTerminal()
    progress = SyncProgress(ProgressLine(terminal, width=lambda: 80), min_interval=0)

    progress.planned("vault", "task", 120)
    progress.advanced("vault", "task", 50)
    progress.planned("vault", "note", 30)
    progress.advanced("vault", "note", 25)
    progress.close()
    progress.advanced("vault", "note", 5)  # after close: ignored

    assert drawn(terminal) == [
        "vault · tasks 0/120",
        "vault · tasks 50/120",
        "vault · tasks 50/120 · notes 0/30",
        "vault · tasks 50/120 · notes 25/30",
    ]
    assert terminal.getvalue().endswith("notes 25/30" + ERASE)
    assert "\n" not in terminal.getvalue()


def test_a_new_connector_replaces_the_last_and_long_lines_are_cut_to_the_terminal() -> None:
    terminal = FakeTerminal()
    progress = SyncProgress(ProgressLine(terminal, width=lambda: 20), min_interval=0)

    progress.planned("vault", "task", 3)
    progress.planned("todoist-work", "task", 1000)

    assert drawn(terminal) == ["vault · tasks 0/3", "todoist-work · tas…"]  # 19 columns + 1 free


def test_rate_limit_waits_are_announced_until_work_goes_on() -> None:
    terminal = FakeTerminal()
    clock = ManualClock()
    progress = SyncProgress(
        ProgressLine(terminal, width=lambda: 100), clock=clock.now, min_interval=0
    )
    limiter = RateLimiter(
        "omi",
        RateLimits(shared={"per_minute": Limit(1, 12.0)}),
        clock=clock.now,
        sleep=clock.sleep,
        on_wait=progress.rate_wait,
    )
    progress.planned("vault", "task", 2)

    for _ in range(2):
        with limiter.acquire():
            pass
        progress.advanced("vault", "task", 1)

    assert drawn(terminal) == [
        "vault · tasks 0/2",
        "vault · tasks 1/2",
        "vault · tasks 1/2 · waiting 12s for the Omi rate limit",
        "vault · tasks 2/2",
    ]


def test_updates_are_drawn_at_most_every_min_interval() -> None:
    terminal = FakeTerminal()
    clock = ManualClock()
    progress = SyncProgress(ProgressLine(terminal), clock=clock.now, min_interval=0.1)
    progress.planned("vault", "task", 500)
    for _ in range(10):
        progress.advanced("vault", "task", 50)
    clock.advance(0.2)
    progress.advanced("vault", "task", 0)

    assert drawn(terminal) == ["vault · tasks 0/500", "vault · tasks 500/500"]


def test_no_display_off_a_terminal_or_when_quiet() -> None:
    assert SyncProgress.for_terminal(io.StringIO()) is None
    assert SyncProgress.for_terminal(FakeTerminal(), quiet=True) is None
    shown = SyncProgress.for_terminal(FakeTerminal())
    assert shown is not None
    shown.close()


def test_log_lines_step_around_the_line(restore_logging: None) -> None:
    terminal = FakeTerminal()
    configure_logging(verbosity=0, json=True, stream=terminal)
    progress = SyncProgress(ProgressLine(terminal, width=lambda: 80), min_interval=0)
    progress.planned("vault", "task", 10)

    structlog.get_logger("omisync.test").warning("slow.answer", seconds=3)
    progress.close()
    structlog.get_logger("omisync.test").warning("after.close")

    line = ERASE + "vault · tasks 0/10"
    first, second, rest = terminal.getvalue().split("\n")
    assert first.startswith(line + ERASE + '{"seconds": 3, "event": "slow.answer"')
    # Redrawn after the log line, then erased by close(); the next log line stands alone.
    assert second.startswith(line + ERASE + '{"event": "after.close"')
    assert rest == ""


def test_a_first_import_counts_every_item_written_per_kind(
    tmp_path: Path, omi_emulator: RunningEmulator
) -> None:
    setup = VaultSetup(tmp_path, omi_emulator)
    setup.write("Omi/Tasks.md", "".join(f"- [ ] Task number {n}\n" for n in range(120)))
    for n in range(30):
        setup.write(f"Omi/Memories/Fact {n}.md", f"Fact number {n} about the user.\n")
    terminal = FakeTerminal()
    progress = SyncProgress(ProgressLine(terminal, width=lambda: 80), min_interval=0)

    with Session(setup.config(), progress=progress) as session:
        report = session.sync("vault")
    progress.close()

    assert report.counts()["task.created_omi"] == 120
    assert report.counts()["note.created_omi"] == 30
    shown = drawn(terminal)
    # Omi takes 50 action items and 25 memories per call.
    assert shown == [
        "vault · tasks 50",
        "vault · tasks 100",
        "vault · tasks 120",
        "vault · tasks 120 · notes 25",
        "vault · tasks 120 · notes 30",
    ]
