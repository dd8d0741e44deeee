"""The sync engine: canonical records, the Side protocol, and the pure planner.

``plan(omi_snapshot, peer_snapshot, links, options, connector=...)`` compares each side with
its own base and returns a :class:`Plan`; a runner executes it through the sides. Nothing here
does I/O except the runner.
"""

from omisync.sync.actions import Conflict, Create, Delete, Plan, Refusal, Update
from omisync.sync.links import Kind, Link, LinkState, Projection, projection_hash
from omisync.sync.options import (
    ConflictPolicy,
    DeletePolicy,
    Direction,
    KindOptions,
    MaxDelete,
    OptionsError,
    SyncOptions,
)
from omisync.sync.planner import plan
from omisync.sync.records import (
    Due,
    DueKind,
    RecordError,
    due_from_instant,
    due_to_instant,
    match_key,
    normalise,
    note_projection,
    task_projection,
)
from omisync.sync.side import (
    AccessError,
    Change,
    DeleteMode,
    Draft,
    Failed,
    ItemGoneError,
    ItemLockedError,
    ItemRejectedError,
    ListingError,
    Outcome,
    Presence,
    Role,
    Side,
    SideError,
    Snapshot,
    TransientError,
    Written,
)

__all__ = [
    "AccessError",
    "Change",
    "Conflict",
    "ConflictPolicy",
    "Create",
    "Delete",
    "DeleteMode",
    "DeletePolicy",
    "Direction",
    "Draft",
    "Due",
    "DueKind",
    "Failed",
    "ItemGoneError",
    "ItemLockedError",
    "ItemRejectedError",
    "Kind",
    "KindOptions",
    "Link",
    "LinkState",
    "ListingError",
    "MaxDelete",
    "OptionsError",
    "Outcome",
    "Plan",
    "Presence",
    "Projection",
    "RecordError",
    "Refusal",
    "Role",
    "Side",
    "SideError",
    "Snapshot",
    "SyncOptions",
    "TransientError",
    "Update",
    "Written",
    "due_from_instant",
    "due_to_instant",
    "match_key",
    "normalise",
    "note_projection",
    "plan",
    "projection_hash",
    "task_projection",
]
