"""The JSON Schema of ``omisync status --json`` (version :data:`omisync.status.SCHEMA_ID`).

Scripts may rely on every property listed here; later versions of the same schema id only
add properties. Times are ISO-8601 strings with a UTC offset.
"""

from __future__ import annotations

from typing import Any

from omisync.status.model import SCHEMA_ID

_TIME = {"type": "string", "format": "date-time"}
_MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}
_MAYBE_STR = {"type": ["string", "null"]}
_SIDE = {"enum": ["omi", "peer"]}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these properties, each required unless named in ``optional``
    (a property added within the schema version, absent from older outputs)."""
    return {
        "type": "object",
        "required": sorted(set(properties) - set(optional)),
        "properties": properties,
        "additionalProperties": False,
    }


_LAST_RUN = _object(
    {
        "run_id": {"type": "integer"},
        "started_at": _TIME,
        "finished_at": _MAYBE_TIME,
        "outcome": {
            "enum": ["ok", "partial", "failed", "interrupted", "abandoned", None],
            "description": "null while the run is still going",
        },
        "duration_seconds": {"type": ["number", "null"]},
        "counts": {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "e.g. task.created_omi, note.updated_peer, task.refused",
        },
        "errors": {"type": "array", "items": {"type": "string"}},
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "what the run could not use or do without failing, e.g. "
            "'tasks: Journal/a.md is being edited; read next cycle'",
        },
    },
    optional=("problems",),
)

_CONFLICT = _object(
    {
        "kind": {"type": "string"},
        "link_id": {"type": "string"},
        "omi_id": _MAYBE_STR,
        "peer_id": _MAYBE_STR,
        "text": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "object", "required": ["omi", "peer"]},
            "description": "per field that differs: what Omi and the peer hold",
        },
    }
)

_REFUSED = _object(
    {
        "kind": {"type": "string"},
        "side": _SIDE,
        "item_id": {"type": "string"},
        "where": {
            "type": ["string", "null"],
            "description": "where the user finds the item (e.g. a vault path), when known",
        },
        "reason": {"type": "string"},
        "first_seen": _TIME,
        "last_seen": _TIME,
    },
    optional=("where",),
)

_PENDING = _object(
    {
        "entry_id": {"type": "integer"},
        "kind": {"type": "string"},
        "side": _SIDE,
        "op": {"enum": ["create", "update", "delete"]},
        "item_id": _MAYBE_STR,
        "text": _MAYBE_STR,
        "attempts": {"type": "integer"},
        "last_error": _MAYBE_STR,
        "since": _TIME,
    }
)

_CONNECTOR = _object(
    {
        "name": {"type": "string"},
        "configured": {"type": "boolean"},
        "type": _MAYBE_STR,
        "enabled": {"type": ["boolean", "null"]},
        "interval_seconds": {"type": ["number", "null"]},
        "last_run": {"anyOf": [{"type": "null"}, _LAST_RUN]},
        "next_run": _MAYBE_TIME,
        "next_run_source": {"enum": ["daemon", "estimate", None]},
        "failures_in_a_row": {"type": "integer"},
        "links": {"type": "object", "additionalProperties": {"type": "integer"}},
        "conflicts": {"type": "array", "items": _CONFLICT},
        "refused": {"type": "array", "items": _REFUSED},
        "pending_writes": {"type": "array", "items": _PENDING},
    }
)

_BUCKET = _object(
    {
        "name": {"type": "string"},
        "used": {"type": "integer"},
        "limit": {"type": ["integer", "null"]},
        "remaining": {"type": ["integer", "null"]},
        "window_seconds": {"type": ["number", "null"]},
    }
)

#: The JSON Schema (draft 2020-12) every ``omisync status --json`` output validates against.
STATUS_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "omisync status",
    **_object(
        {
            "schema": {"const": SCHEMA_ID},
            "generated_at": _TIME,
            "config": _MAYBE_STR,
            "state_db": _object({"path": {"type": "string"}, "exists": {"type": "boolean"}}),
            "run_in_progress": {
                "anyOf": [
                    {"type": "null"},
                    _object(
                        {"pid": {"type": "integer"}, "since": _TIME, "alive": {"type": "boolean"}}
                    ),
                ]
            },
            "omi_rate_budget": _object(
                {
                    "profile": {"enum": ["docs", "backend"]},
                    "buckets": {"type": "array", "items": _BUCKET},
                }
            ),
            "connectors": {"type": "array", "items": _CONNECTOR},
        }
    ),
}
