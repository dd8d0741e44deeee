"""Stopping ``omisync run --once`` on SIGTERM or SIGINT without abandoning a write batch.

A first signal asks the run to stop: the runner's checkpoint raises :class:`StopRequested`
right after the next batch commits its outcome (``"committed"``), so the batch in flight is
finished and nothing is left for the next run to reconcile; a run with no more writes simply
ends. A second signal exits at once with :attr:`~omisync.cli.exit_codes.ExitCode.INTERRUPTED`:
still safe, since the journal lets the next run settle an unfinished batch, as after a crash.
The daemon stops the same way.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from omisync.cli.exit_codes import ExitCode
from omisync.daemon.cycle import StopRequested

__all__ = ["GracefulStop", "StopRequested"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class GracefulStop:
    """The stop request of one run: :meth:`installed` handles the signals while the run goes,
    and :meth:`checkpoint` (the runner's checkpoint) raises :class:`StopRequested` after the
    first batch committed since a signal. ``requested`` says whether a signal came."""

    def __init__(self) -> None:
        self.requested = False

    def checkpoint(self, step: str) -> None:
        """Raise :class:`StopRequested` at ``"committed"`` once a stop was asked for.

        Never earlier: the journal entry of a batch is committed before its ``"intended"``
        step, so any other point could leave the batch pending."""
        if step == "committed" and self.requested:
            raise StopRequested

    @contextmanager
    def installed(self) -> Iterator[GracefulStop]:
        """Handle SIGTERM and SIGINT inside the block (only possible in the main thread; in
        another thread the signals keep their handlers), then restore the previous handlers."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self._on_signal) for signum in _SIGNALS}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread: only a flag, or the hard exit.
        if self.requested:
            os._exit(ExitCode.INTERRUPTED)
        self.requested = True
