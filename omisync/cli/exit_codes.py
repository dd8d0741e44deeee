"""Process exit codes of the ``omisync`` command (documented in the README)."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What a finished ``omisync`` command tells its caller."""

    OK = 0
    """Everything asked for was done."""
    PARTIAL = 1
    """The run finished, but some items failed or were refused; they are retried next run."""
    USAGE = 2
    """Bad command line or bad configuration; nothing was changed."""
    UNAVAILABLE = 3
    """A service could not be reached, or it refused our credentials."""
    LOCKED = 4
    """Another omisync run holds the state DB."""
    INTERRUPTED = 130
    """Stopped by SIGINT/SIGTERM after finishing the batch in flight."""
