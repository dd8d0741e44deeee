"""A file-backed connector for the end-to-end tests: tasks and notes kept in one JSON file.

It is registered ONLY by the tests, the way a third-party package registers (see
:mod:`plugin_install`): a copy of this module next to a ``*.dist-info`` folder whose
``entry_points.txt`` names ``jsonfile = jsonfile_connector:JsonFileSide`` in the
``omisync.connectors`` group. Config keys (under a ``type: jsonfile`` connector)::

    box:
      type: jsonfile
      path: /tmp/box.json     # required; the file must exist (write {} for an empty box)
      batch_size: 100         # items per create/update/delete call

The file holds ``{"task": {id: fields}, "note": {id: fields}}``; fields are the canonical
projection keys (:mod:`omisync.sync.records`) plus ``stamp``, the draft stamp of an item
omisync created, which lets :meth:`JsonFileSide.find_created` recognise it after a crash.
Every write replaces the file atomically (temporary file, fsync, rename), so a process killed
at any instant leaves either the old or the new file.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omisync.config.errors import ConfigError, ConfigProblem
from omisync.sync.links import Kind, Projection
from omisync.sync.records import RecordError, normalise
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Failed,
    ItemGoneError,
    ListingError,
    Outcome,
    Presence,
    SideError,
    Snapshot,
    Written,
)

__all__ = ["JsonFileOptions", "JsonFileSide", "read_box", "write_box"]

#: The whole file: kind name → item id → stored fields (projection keys plus ``stamp``).
Box = dict[str, dict[str, dict[str, Any]]]
_STAMP = "stamp"


class JsonFileOptions(BaseModel):
    """The jsonfile connector's own config keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    batch_size: int = Field(100, ge=1)


def read_box(path: Path) -> Box:
    """Return the file's content, with both kinds present.

    Raises :class:`ListingError` naming the file and the fix when it is missing, not JSON, or
    not shaped as ``{"task": {...}, "note": {...}}``.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ListingError(f"{path} does not exist; create it (an empty box is {{}})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ListingError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ListingError(
            f"{path} line {exc.lineno}: not JSON ({exc.msg}); fix or replace the file"
        ) from None
    if not isinstance(raw, dict):
        raise ListingError(f"{path}: expected a JSON object with 'task' and 'note' keys")
    box: Box = {}
    for kind in Kind:
        items = raw.get(kind.value, {})
        if not isinstance(items, dict) or not all(isinstance(v, dict) for v in items.values()):
            raise ListingError(f"{path}: {kind.value!r} must map item ids to objects")
        box[kind.value] = items
    return box


def write_box(path: Path, box: Box) -> None:
    """Replace the file with ``box`` atomically (a reader sees the old or the new content)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(box, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _projection(kind: Kind, item_id: str, stored: Mapping[str, Any], path: Path) -> Projection:
    fields = {key: value for key, value in stored.items() if key != _STAMP}
    try:
        return normalise(kind, fields)
    except RecordError as exc:
        raise ListingError(f"{path}: {kind.value} {item_id!r}: {exc}") from None


class JsonFileSide:
    """A JSON file as the peer side of a sync (implements :class:`omisync.sync.side.Side`).

    Also the connector factory the ``jsonfile`` entry point names. With ``dry_run`` every
    write call raises :class:`SideError`, so nothing can change the file.
    """

    options_model = JsonFileOptions

    def __init__(self, name: str, options: JsonFileOptions, *, dry_run: bool = False) -> None:
        self._name = name
        self.path = options.path
        self._batch = options.batch_size
        self.dry_run = dry_run

    @classmethod
    def from_settings(
        cls, name: str, options: Mapping[str, Any], *, zone: tzinfo, dry_run: bool = False
    ) -> JsonFileSide:
        """Build the side from its config keys; raises :class:`ConfigError` naming each bad
        key under ``connectors.<name>``."""
        try:
            parsed = JsonFileOptions.model_validate(dict(options))
        except ValidationError as error:
            raise ConfigError(
                [
                    ConfigProblem(str(item["msg"]), ("connectors", name, *item["loc"]))
                    for item in error.errors()
                ]
            ) from None
        return cls(name, parsed, dry_run=dry_run)

    @property
    def name(self) -> str:
        """The connector's configured name."""
        return self._name

    def batch_size(self, kind: Kind) -> int:
        """The configured ``batch_size``, for every kind."""
        return self._batch

    def snapshot(self, kind: Kind) -> Snapshot:
        """Every item of ``kind`` in the file; always complete. Raises :class:`ListingError`."""
        stored = read_box(self.path)[kind.value]
        items = {item_id: _projection(kind, item_id, s, self.path) for item_id, s in stored.items()}
        return Snapshot(kind=kind, items=items, complete=True)

    def _write(
        self, kind: Kind, count: int, apply: Callable[[dict[str, dict[str, Any]]], list[Outcome]]
    ) -> list[Outcome]:
        """Read the file, let ``apply`` change the items of ``kind``, write it back once."""
        if self.dry_run:
            raise SideError(f"dry run: {count} write(s) refused", side=self.name)
        box = read_box(self.path)
        outcomes = apply(box[kind.value])
        write_box(self.path, box)
        return outcomes

    def create(self, kind: Kind, drafts: Sequence[Draft]) -> list[Outcome]:
        """Add each draft under a new random id, keeping its stamp."""

        def apply(items: dict[str, dict[str, Any]]) -> list[Outcome]:
            outcomes: list[Outcome] = []
            for draft in drafts:
                item_id = f"{kind.value[0]}{secrets.token_hex(6)}"
                items[item_id] = {**draft.fields, _STAMP: draft.stamp}
                outcomes.append(Written(item_id, normalise(kind, draft.fields)))
            return outcomes

        return self._write(kind, len(drafts), apply)

    def update(self, kind: Kind, changes: Sequence[Change]) -> list[Outcome]:
        """Set the changed fields of each item; a missing id fails with ItemGoneError."""

        def apply(items: dict[str, dict[str, Any]]) -> list[Outcome]:
            outcomes: list[Outcome] = []
            for change in changes:
                stored = items.get(change.item_id)
                if stored is None:
                    gone = ItemGoneError(f"{change.item_id} is not in the file", side=self.name)
                    outcomes.append(Failed(change.item_id, gone))
                    continue
                stored.update(change.fields)
                held = _projection(kind, change.item_id, stored, self.path)
                outcomes.append(Written(change.item_id, held))
            return outcomes

        return self._write(kind, len(changes), apply)

    def delete(self, kind: Kind, item_ids: Sequence[str], mode: DeleteMode) -> list[Outcome]:
        """Remove each item, or with COMPLETE tick a task (a note is kept as it is)."""

        def apply(items: dict[str, dict[str, Any]]) -> list[Outcome]:
            outcomes: list[Outcome] = []
            for item_id in item_ids:
                if item_id not in items:
                    outcomes.append(Written(item_id, None))
                elif mode is DeleteMode.DELETE:
                    del items[item_id]
                    outcomes.append(Written(item_id, None))
                else:
                    if kind is Kind.TASK:
                        items[item_id]["done"] = True
                    held = _projection(kind, item_id, items[item_id], self.path)
                    outcomes.append(Written(item_id, held))
            return outcomes

        return self._write(kind, len(item_ids), apply)

    def verify(self, kind: Kind, item_ids: Sequence[str]) -> Mapping[str, Presence]:
        """GONE for ids not in the file, PRESENT for the others."""
        items = read_box(self.path)[kind.value]
        return {i: Presence.PRESENT if i in items else Presence.GONE for i in item_ids}

    def find_created(
        self, kind: Kind, drafts: Sequence[Draft], *, exclude: Collection[str] = frozenset()
    ) -> Mapping[str, Written]:
        """The items carrying a draft's stamp (an interrupted run created them), except ids in
        ``exclude``."""
        items = read_box(self.path)[kind.value]
        by_stamp = {stored.get(_STAMP): item_id for item_id, stored in items.items()}
        found: dict[str, Written] = {}
        for draft in drafts:
            item_id = by_stamp.get(draft.stamp)
            if item_id is not None and item_id not in exclude:
                held = _projection(kind, item_id, items[item_id], self.path)
                found[draft.stamp] = Written(item_id, held)
        return found
