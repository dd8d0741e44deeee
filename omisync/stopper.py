"""A stop request that a run honours at its safe points and that cuts its waits short.

SIGTERM or SIGINT asks a run to stop (``omisync run --once`` and the daemon alike)::

    stopper = Stopper()
    signal.signal(signal.SIGTERM, lambda *_: stopper.request())
    limiter = RateLimiter("omi", limits, sleep=stopper.sleep)   # a wait ends at the request
    runner = Runner(..., checkpoint=stopper.checkpoint)          # between batches only

Where a stop takes effect, :class:`StopRequested` is raised:

- **before a batch is journaled** (checkpoint step ``"intending"``): nothing of that batch
  was recorded or sent;
- **after a batch committed** (step ``"committed"``): the batch in flight was finished;
- **in a wait** (a rate-limit wait, a retry backoff): the request it was waiting to send was
  not sent. If a batch was already journaled, it stays pending and the next run settles it
  from the journal, as after a crash — safe, and far better than letting a service shutdown
  wait out a five-minute rate limit.
"""

from __future__ import annotations

import time

__all__ = ["StopRequested", "Stopper"]

#: The longest a wait takes to notice a stop request, in seconds.
POLL_SECONDS = 0.05

#: Checkpoint steps at which a requested stop is honoured (see the module docstring).
SAFE_STEPS = frozenset({"intending", "committed"})


class StopRequested(BaseException):
    """A stop was asked for and the run has reached a point where it may stop.

    A BaseException, like KeyboardInterrupt, so no ``except Exception`` on the way swallows
    it; the runner marks its run interrupted and re-raises it.
    """


class Stopper:
    """One run's (or one daemon's) stop request. Thread-safe; :meth:`request` may be called
    from a signal handler (it only sets a flag)."""

    def __init__(self) -> None:
        # A plain flag polled by wait(), not a threading.Event: Event.set() takes a lock, and a
        # signal handler that runs while the main thread holds that lock would deadlock.
        self._requested = False

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._requested

    def request(self) -> None:
        """Ask for a stop. Waits in progress end within :data:`POLL_SECONDS`."""
        self._requested = True

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True as soon as a stop is requested (at once if it
        already was), False when the time ran out."""
        deadline = time.monotonic() + seconds
        while not self._requested:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, POLL_SECONDS))
        return True

    def sleep(self, seconds: float) -> None:
        """A ``time.sleep`` replacement for rate limiters and retry backoffs: sleeps
        ``seconds``, or raises :class:`StopRequested` once a stop is requested."""
        if self.wait(seconds):
            raise StopRequested

    def checkpoint(self, step: str) -> None:
        """A runner checkpoint: raises :class:`StopRequested` at a safe step (before a batch
        is journaled, after one committed) once a stop is requested."""
        if self._requested and step in SAFE_STEPS:
            raise StopRequested
