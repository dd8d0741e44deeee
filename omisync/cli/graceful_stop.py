"""Stopping ``omisync run --once`` on SIGTERM or SIGINT without abandoning a write batch.

A first signal requests a stop on the run's :class:`omisync.stopper.Stopper`: the run stops
before it journals another batch or right after the batch in flight commits, and a rate-limit
or retry wait ends at once (see :mod:`omisync.stopper`). A second signal exits at once with
:attr:`~omisync.cli.exit_codes.ExitCode.INTERRUPTED`: still safe, since the journal lets the
next run settle an unfinished batch, as after a crash. The daemon stops the same way.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from omisync.cli.exit_codes import ExitCode
from omisync.stopper import Stopper, StopRequested

__all__ = ["GracefulStop", "StopRequested"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class GracefulStop:
    """The stop request of one run: :meth:`installed` handles the signals while the run goes
    and requests a stop on :attr:`stopper` (give it to the :class:`omisync.session.Session`).
    ``requested`` says whether a signal came."""

    def __init__(self) -> None:
        self.stopper = Stopper()

    @property
    def requested(self) -> bool:
        """Whether a stop signal came."""
        return self.stopper.requested

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
        if self.stopper.requested:
            os._exit(ExitCode.INTERRUPTED)
        self.stopper.request()
