"""``omisync status``: what omisync has done and what waits for the user, read without
disturbing a run (no lock taken, the state DB opened read-only, nothing written).

::

    report = collect_status(config)              # StatusReport
    print(render_text(report, ZoneInfo(config.omi.timezone)))
    json.dumps(report.to_json())                 # shape: STATUS_JSON_SCHEMA (SCHEMA_ID)
"""

from omisync.status.collect import collect_status
from omisync.status.json_schema import STATUS_JSON_SCHEMA
from omisync.status.model import (
    SCHEMA_ID,
    ConnectorStatus,
    LastRun,
    OpenConflict,
    PendingWrite,
    RateBucketStatus,
    RefusedItem,
    RunningNow,
    StatusReport,
)
from omisync.status.read_only import open_read_only
from omisync.status.text import render_text

__all__ = [
    "SCHEMA_ID",
    "STATUS_JSON_SCHEMA",
    "ConnectorStatus",
    "LastRun",
    "OpenConflict",
    "PendingWrite",
    "RateBucketStatus",
    "RefusedItem",
    "RunningNow",
    "StatusReport",
    "collect_status",
    "open_read_only",
    "render_text",
]
