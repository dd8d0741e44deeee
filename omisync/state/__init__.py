"""omisync's local state DB (SQLite via sqlite-utils): links, journal, cursors, runs, refusals.

Typical run::

    with StateDB.open(config.state.path) as state, state.run_lock(timeout=30):
        state.runs.abandon_unfinished()
        run_id = state.runs.start()
        links = state.links.load("todoist", Kind.TASK)
        [entry] = state.journal.intend([Intent(...)], run_id=run_id)   # committed
        ...remote create...
        with state.transaction():                                       # one commit
            state.links.save([new_link])
            state.journal.mark_done(entry, item_id=created_id)
        state.runs.finish(run_id, RunOutcome.OK, counts={"created": 1})

Every error is a :class:`StateError` whose message names the file and the fix.
"""

from omisync.state.cursors import Cursors
from omisync.state.database import StateDB
from omisync.state.errors import (
    DuplicateLinkError,
    StateAccessError,
    StateCorruptError,
    StateError,
    StateLockedError,
    StateSchemaError,
    StateUsageError,
    UnknownRecordError,
)
from omisync.state.journal import Intent, Journal, JournalEntry, JournalOp, JournalStatus
from omisync.state.link_store import LinkStore
from omisync.state.lock import LockHolder, RunLock, lock_path_for
from omisync.state.refusals import Refusal, Refusals
from omisync.state.runs import RunOutcome, RunRecord, Runs
from omisync.state.sides import SideName

__all__ = [
    "Cursors",
    "DuplicateLinkError",
    "Intent",
    "Journal",
    "JournalEntry",
    "JournalOp",
    "JournalStatus",
    "LinkStore",
    "LockHolder",
    "Refusal",
    "Refusals",
    "RunLock",
    "RunOutcome",
    "RunRecord",
    "Runs",
    "SideName",
    "StateAccessError",
    "StateCorruptError",
    "StateDB",
    "StateError",
    "StateLockedError",
    "StateSchemaError",
    "StateUsageError",
    "UnknownRecordError",
    "lock_path_for",
]
