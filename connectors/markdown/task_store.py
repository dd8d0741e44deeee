"""Tasks of a vault as synced items: each live anchor (``^omi-…``) is one item.

:class:`TaskStore` turns a vault scan into task projections and applies the engine's writes to
the lines. Before it reports a snapshot it tidies what it finds (unless ``dry_run``):

- a selected line without an anchor gets a fresh one (so it keeps its identity when moved);
- a completed recurring line whose next instance sits next to it hands its anchor to the open
  instance and keeps a history anchor (``^omi-…-done``), so completing a series in the vault
  advances the Omi item instead of creating a new one;
- a live anchor found on several lines stays on the first one; each copy gets a new anchor.

Every write is atomic and guarded by the file's stamp; a file being edited right now (or
changed since it was read) is left for the next cycle, and its items are then reported as not
complete rather than as missing.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from omisync.sync.links import Projection
from omisync.sync.records import Due, RecordError, task_projection
from omisync.sync.side import (
    Change,
    Draft,
    Failed,
    ItemGoneError,
    ItemRejectedError,
    ListingError,
    Outcome,
    Presence,
    SideError,
    TransientError,
    Written,
)

from .anchors import history_anchor, is_live_anchor, new_anchor
from .cache import CacheFile
from .document import NoteText
from .recurrence import next_date
from .scanner import CACHE_SECTION, FoundTask, ScanResult, TaskSelection, VaultScanner
from .taskline import (
    KEEP,
    Keep,
    TaskEdit,
    TaskLine,
    edit_task_line,
    encode_description,
    parse_task_line,
)
from .vaultfs import FileStamp, VaultWriteError, VaultWriter, read_stamped

__all__ = ["TaskStore", "anchor_for_stamp"]

_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def anchor_for_stamp(stamp: str) -> str:
    """The anchor a draft with ``stamp`` gets (deterministic, so a crashed create is found)."""
    digest = hashlib.sha256(stamp.encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(12):
        number, rest = divmod(number, 32)
        chars.append(_BASE32[rest])
    return "omi-" + "".join(chars)


def task_to_projection(task: TaskLine) -> Projection:
    """The canonical projection of a task line: its text (the description as Obsidian shows
    it), done, date-only due."""
    due = task.due
    return task_projection(task.text, task.is_done, Due.on_date(due) if due else None)


@dataclass(slots=True)
class _Where:
    path: str
    index: int
    task: TaskLine


@dataclass(slots=True)
class _FileEdits:
    """Pending line edits of one file: index → TaskEdit, plus new anchors they assign."""

    edits: dict[int, TaskEdit] = field(default_factory=dict)


class TaskStore:
    """The vault's tasks, by anchor. Not thread-safe; one store per connector instance."""

    def __init__(
        self,
        root: Path,
        selection: TaskSelection,
        *,
        tasks_heading: str,
        zone: tzinfo,
        settle_seconds: float = 0.0,
        import_done: bool = False,
        dry_run: bool = False,
        cache: CacheFile | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.selection = selection
        self.cache = cache or CacheFile(None)
        self.tasks_heading = tasks_heading
        self.zone = zone
        self.settle_seconds = settle_seconds
        self.import_done = import_done
        self.dry_run = dry_run
        self.clock = clock
        self.scanner = VaultScanner(root, selection, settle_seconds=settle_seconds, clock=clock)
        self.writer = VaultWriter(settle_seconds, clock)
        self.problems: list[str] = []
        self._where: dict[str, _Where] = {}
        self._stamps: dict[str, FileStamp] = {}
        self._complete = False
        self._scanned = False
        self.last_scan: ScanResult | None = None
        """The last scan's figures (files read and stat'ed, time)."""
        self.scanner.restore_cache(self.cache.section(CACHE_SECTION, self.scanner.cache_key()))

    # --- reading -------------------------------------------------------------------------

    def today(self) -> date:
        """Today's date in the configured zone (used for ✅ done dates)."""
        return datetime.fromtimestamp(self.clock(), self.zone).date()

    def snapshot(self) -> tuple[dict[str, Projection], bool]:
        """Scan the vault, tidy anchors, and return (anchor → projection, complete).

        Raises ListingError when the vault folder itself cannot be read.
        """
        if not self.root.is_dir():
            raise ListingError(
                f"the vault folder {self.root} does not exist or is not a folder; "
                "check the connector's 'path'"
            )
        scan = self.scanner.scan()
        self.last_scan = scan
        self.problems = list(scan.problems)
        complete = scan.vault_wide
        by_file: dict[str, list[FoundTask]] = defaultdict(list)
        for found in scan.tasks:
            by_file[found.path].append(found)
        plan = self._tidy_plan(by_file)
        skipped = self._write_tidy(plan, scan)
        complete = complete and not skipped
        self._rebuild()
        if self.dry_run:
            self._preview_tidy(plan, by_file)
        items: dict[str, Projection] = {}
        for anchor, where in self._where.items():
            try:
                items[anchor] = task_to_projection(where.task)
            except RecordError as error:
                self.problems.append(f"{where.path}:{where.index + 1}: {error}")
                complete = False
        self._complete = complete
        self._scanned = True
        if not self.dry_run:
            self._save_cache()
        return items, complete

    def _save_cache(self) -> None:
        try:
            self.cache.store(CACHE_SECTION, self.scanner.cache_key(), self.scanner.dump_cache())
        except OSError as error:
            self.problems.append(f"{self.cache.path}: scan cache not saved ({error.strerror})")

    def modified(self) -> dict[str, datetime]:
        """anchor → when its note last changed (a line's own edit time is not known)."""
        times: dict[str, datetime] = {}
        for anchor, where in self._where.items():
            stamp = self._stamps.get(where.path)
            if stamp is not None:
                times[anchor] = datetime.fromtimestamp(stamp.mtime_ns / 1e9, UTC)
        return times

    def places(self) -> dict[str, str]:
        """anchor → the line it is on, as ``path:line`` (vault-relative, line from 1)."""
        return {anchor: f"{where.path}:{where.index + 1}" for anchor, where in self._where.items()}

    def _ordered_files(self, paths: Sequence[str]) -> list[str]:
        tasks_file = self.selection.tasks_file
        return sorted(paths, key=lambda p: (p != tasks_file, p))

    def _tidy_plan(self, by_file: Mapping[str, list[FoundTask]]) -> dict[str, _FileEdits]:
        """Which lines need an anchor written, moved or replaced."""
        plan: dict[str, _FileEdits] = defaultdict(_FileEdits)
        owner: dict[str, tuple[str, int]] = {}
        for path in self._ordered_files(list(by_file)):
            found = {f.index: f.task for f in by_file[path]}
            handed, retired = self._recurrence_handoffs(path, found, plan)
            for index, task in sorted(found.items()):
                if index in retired:
                    continue
                anchor = handed.get(index, task.block_id)
                if is_live_anchor(anchor):
                    assert anchor is not None
                    if anchor not in owner:
                        owner[anchor] = (path, index)
                        continue
                    first_path, first_index = owner[anchor]
                    self.problems.append(
                        f"{path}:{index + 1}: anchor ^{anchor} is also on "
                        f"{first_path}:{first_index + 1}; this copy becomes a new task"
                    )
                elif task.is_done and not self.import_done:
                    continue
                plan[path].edits[index] = TaskEdit(block_id=new_anchor())
        return {path: edits for path, edits in plan.items() if edits.edits}

    def _recurrence_handoffs(
        self, path: str, found: Mapping[int, TaskLine], plan: dict[str, _FileEdits]
    ) -> tuple[dict[int, str], set[int]]:
        """Completed recurring lines with their next instance beside them.

        Returns ({index of the open instance: anchor it inherits}, indices of the completed
        lines that keep only history) and plans the edits (the done line gets the history
        anchor, the open line the live one).
        """
        handed: dict[int, str] = {}
        retired: set[int] = set()
        candidates = [
            (i, t)
            for i, t in found.items()
            if t.is_done and t.recurrence and is_live_anchor(t.block_id)
        ]
        if not candidates:
            return handed, retired
        note = self._read_note(path)
        if note is None:
            return handed, retired
        for index, done in candidates:
            assert done.block_id is not None
            for neighbour in (index - 1, index + 1):
                if not 0 <= neighbour < len(note.lines) or neighbour in handed:
                    continue
                other = parse_task_line(note.lines[neighbour])
                if (
                    other is not None
                    and not other.is_done
                    and other.recurrence == done.recurrence
                    and other.description == done.description
                    and other.block_id in (None, done.block_id)
                ):
                    handed[neighbour] = done.block_id
                    retired.add(index)
                    plan[path].edits[index] = TaskEdit(block_id=history_anchor(done.block_id))
                    if other.block_id is None:
                        plan[path].edits[neighbour] = TaskEdit(block_id=done.block_id)
                    break
        return handed, retired

    def _read_note(self, path: str) -> NoteText | None:
        try:
            data, _ = read_stamped(self.root / path)
        except OSError as error:
            self.problems.append(f"{path}: cannot be read ({error.strerror})")
            return None
        return NoteText.decode(data)

    def _write_tidy(self, plan: Mapping[str, _FileEdits], scan: ScanResult) -> bool:
        """Write the planned anchor edits (none in a dry run). Returns True when a file had to
        be skipped."""
        if self.dry_run:
            return False
        skipped = False
        for path, edits in plan.items():
            stamp = scan.stamps.get(path)
            try:
                self._edit_file(path, stamp, edits.edits)
            except VaultWriteError as error:
                self.problems.append(str(error))
                skipped = True
        return skipped

    def _edit_file(
        self, path: str, stamp: FileStamp | None, edits: Mapping[int, TaskEdit]
    ) -> NoteText:
        """Apply ``edits`` to ``path`` atomically (only while it still matches ``stamp``)."""
        target = self.root / path
        data, current = read_stamped(target)
        if stamp is not None and current.sha256 != stamp.sha256:
            raise VaultWriteError(target, "changed since it was scanned; retrying next cycle")
        note = NoteText.decode(data)
        next_instances: list[tuple[int, str]] = []
        for index, edit in edits.items():
            following = self._next_instance(path, index, note.lines[index], edit)
            if following is not None:
                next_instances.append((index, following))
            note.replace_line(index, edit_task_line(note.lines[index], edit))
        for index, line in sorted(next_instances, reverse=True):
            note.insert_lines(index, [line])  # above the completed one, as Tasks does
        self._commit(path, note, current)
        return note

    def _next_instance(self, path: str, index: int, line: str, edit: TaskEdit) -> str | None:
        """The open next instance to add when ``edit`` completes a recurring task, or None.

        The completed line keeps its anchor (its Omi item is the one that was completed); the
        next instance gets a fresh anchor and becomes a new item.
        """
        task = parse_task_line(line)
        if edit.done is not True or task is None or task.is_done or task.recurrence is None:
            return None
        due = next_date(task.recurrence, task.due, self.today())
        if due is None:
            self.problems.append(
                f"{path}:{index + 1}: the recurrence '{task.recurrence}' is not one omisync can "
                "advance; the task was ticked without a next instance (tick it in Obsidian to "
                "let Tasks create one)"
            )
            return None
        return edit_task_line(line, TaskEdit(due=due, block_id=new_anchor()))

    def _commit(self, path: str, note: NoteText, expected: FileStamp | None) -> None:
        data = note.encode()
        stamp = self.writer.write(self.root / path, data, expected=expected)
        self.scanner.remember(path, stamp, data)
        self._stamps[path] = stamp
        self._locate(path, note)

    def _rebuild(self) -> None:
        """Index the anchors of the scan cache (which includes what tidying just wrote)."""
        self._where = {}
        for found in self.scanner.cached_tasks():
            task = found.task
            if is_live_anchor(task.block_id) and task.block_id not in self._where:
                assert task.block_id is not None
                self._where[task.block_id] = _Where(found.path, found.index, task)
        self._stamps = self.scanner.stamps()

    def _preview_tidy(
        self, plan: Mapping[str, _FileEdits], by_file: Mapping[str, list[FoundTask]]
    ) -> None:
        """In a dry run, index each line under the anchor tidying would have written, so the
        plan shows what a real run would do with new lines (create them in Omi) without a
        byte written to the vault."""
        for path, edits in plan.items():
            tasks = {found.index: found.task for found in by_file[path]}
            for index, edit in edits.edits.items():
                anchor = edit.block_id
                if isinstance(anchor, str) and is_live_anchor(anchor) and index in tasks:
                    self._where[anchor] = _Where(path, index, tasks[index])

    def _locate(self, path: str, note: NoteText) -> None:
        """Re-index the anchors of one file after omisync wrote it."""
        self._where = {a: w for a, w in self._where.items() if w.path != path}
        for index, task in note.tasks():
            anchor = task.block_id
            if is_live_anchor(anchor) and anchor not in self._where:
                assert anchor is not None
                self._where[anchor] = _Where(path, index, task)

    # --- writing -------------------------------------------------------------------------

    def _due_date(self, value: object) -> date | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise RecordError(f"due: expected an ISO date string, got {value!r}")
        return Due.parse(value).day(self.zone)

    def _edit_for(self, fields: Mapping[str, object]) -> TaskEdit:
        text = fields.get("text", KEEP)
        done = fields.get("done", KEEP)
        if not isinstance(text, str | Keep) or not isinstance(done, bool | Keep):
            raise RecordError(f"task: bad text or done value in {dict(fields)!r}")
        if isinstance(text, str):
            try:
                text = encode_description(text)
            except ValueError as error:
                raise RecordError(
                    f"task {text!r} cannot be written to the vault: {error}"
                ) from None
        due: date | Keep | None = self._due_date(fields["due"]) if "due" in fields else KEEP
        return TaskEdit(
            description=text,
            done=done,
            due=due,
            done_date=self.today() if done is True else KEEP,
        )

    def _by_file(self, ids: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, Outcome]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        failed: dict[str, Outcome] = {}
        for anchor in ids:
            where = self._where.get(anchor)
            if where is None:
                failed[anchor] = Failed(
                    anchor, ItemGoneError(f"task ^{anchor} is not in the vault")
                )
            else:
                grouped[where.path].append(anchor)
        return grouped, failed

    def update(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply each change to its line; one outcome per change, in order."""
        self._require_snapshot()
        fields = {change.item_id: change.fields for change in changes}
        grouped, outcomes = self._by_file(list(fields))
        for path, anchors in grouped.items():
            edits: dict[int, TaskEdit] = {}
            targets: list[str] = []
            for anchor in anchors:
                try:
                    edits[self._where[anchor].index] = self._edit_for(fields[anchor])
                except RecordError as error:
                    outcomes[anchor] = Failed(anchor, ItemRejectedError(str(error)))
                    continue
                targets.append(anchor)
            outcomes.update(self._write_lines(path, targets, edits))
        return [outcomes[change.item_id] for change in changes]

    def _write_lines(
        self, path: str, anchors: Sequence[str], edits: Mapping[int, TaskEdit]
    ) -> dict[str, Outcome]:
        """Edit lines of one file and report each anchor's outcome."""
        if not anchors:
            return {}
        if self.dry_run:
            return {a: Failed(a, TransientError("dry run: nothing written")) for a in anchors}
        try:
            self._edit_file(path, self._stamps.get(path), edits)
        except VaultWriteError as error:
            return {a: Failed(a, TransientError(str(error))) for a in anchors}
        except OSError as error:
            return {a: Failed(a, TransientError(f"{path}: {error.strerror}")) for a in anchors}
        return {anchor: self._written(anchor) for anchor in anchors}

    def _written(self, anchor: str) -> Outcome:
        where = self._where.get(anchor)
        if where is None:
            return Failed(anchor, ItemRejectedError(f"^{anchor} did not survive the edit"))
        return Written(anchor, task_to_projection(where.task))

    def delete(self, item_ids: Sequence[str], complete: bool) -> list[Outcome]:
        """Remove each item's line (or, with ``complete``, tick it); an absent one counts as
        deleted."""
        self._require_snapshot()
        grouped, missing = self._by_file(item_ids)
        outcomes: dict[str, Outcome] = {a: Written(a, None) for a in missing}
        for path, anchors in grouped.items():
            if complete:
                done = TaskEdit(done=True, done_date=self.today())
                edits = {self._where[a].index: done for a in anchors}
                outcomes.update(self._write_lines(path, anchors, edits))
                continue
            outcomes.update(self._delete_lines(path, anchors))
        return [outcomes[anchor] for anchor in item_ids]

    def _delete_lines(self, path: str, anchors: Sequence[str]) -> dict[str, Outcome]:
        if self.dry_run:
            return {a: Failed(a, TransientError("dry run: nothing written")) for a in anchors}
        try:
            data, current = read_stamped(self.root / path)
            stamp = self._stamps.get(path)
            if stamp is not None and current.sha256 != stamp.sha256:
                raise VaultWriteError(self.root / path, "changed since it was scanned; retrying")
            note = NoteText.decode(data)
            for index in sorted((self._where[a].index for a in anchors), reverse=True):
                note.delete_line(index)
            self._commit(path, note, current)
        except (VaultWriteError, OSError) as error:
            return {a: Failed(a, TransientError(str(error))) for a in anchors}
        return {a: Written(a, None) for a in anchors}

    def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Append each draft as a task line under the tasks heading of the tasks file.

        A draft whose anchor already exists (a create a crashed run made) is not added twice.
        """
        self._require_snapshot()
        outcomes: dict[str, Outcome] = {}
        lines: list[tuple[str, str]] = []
        for draft in drafts:
            anchor = anchor_for_stamp(draft.stamp)
            if anchor in self._where:
                outcomes[draft.stamp] = self._written(anchor)
                continue
            try:
                lines.append((draft.stamp, self._new_line(anchor, draft.fields)))
            except (RecordError, ValueError) as error:
                outcomes[draft.stamp] = Failed(None, ItemRejectedError(str(error)))
        if lines and self.dry_run:
            for stamp, _ in lines:
                outcomes[stamp] = Failed(None, TransientError("dry run: nothing written"))
        elif lines:
            outcomes.update(self._append(lines))
        return [outcomes[draft.stamp] for draft in drafts]

    def _new_line(self, anchor: str, fields: Mapping[str, object]) -> str:
        text = fields.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RecordError("task.text: a task needs text")
        edit = self._edit_for({**fields, "done": bool(fields.get("done", False))})
        due = edit.due if not isinstance(edit.due, Keep) else None
        line = edit_task_line(
            "- [ ]",
            TaskEdit(
                description=edit.description,
                done=edit.done,
                due=due,
                done_date=edit.done_date,
                block_id=anchor,
            ),
        )
        return line

    def _append(self, lines: Sequence[tuple[str, str]]) -> dict[str, Outcome]:
        path = self.selection.tasks_file
        target = self.root / path
        try:
            try:
                data, current = read_stamped(target)
            except FileNotFoundError:
                data, current = b"", None
            note = NoteText.decode(data)
            at = self._heading_end(note)
            if at is None:
                block = ([""] if note.lines and note.lines[-1].strip() else []) + [
                    self.tasks_heading,
                    "",
                ]
                note.insert_lines(len(note.lines), block)
                at = len(note.lines)
            note.insert_lines(at, [line for _, line in lines])
            self._commit(path, note, current)
        except (VaultWriteError, OSError) as error:
            return {stamp: Failed(None, TransientError(str(error))) for stamp, _ in lines}
        outcomes: dict[str, Outcome] = {}
        for stamp, line in lines:
            parsed = parse_task_line(line)
            assert parsed is not None and parsed.block_id is not None
            outcomes[stamp] = self._written(parsed.block_id)
        return outcomes

    def _heading_end(self, note: NoteText) -> int | None:
        """Where new tasks go: after the last non-blank line of the heading's section."""
        heading = self.tasks_heading.strip()
        level = len(heading) - len(heading.lstrip("#"))
        try:
            start = next(i for i, line in enumerate(note.lines) if line.strip() == heading)
        except StopIteration:
            return None
        end = len(note.lines)
        for index in range(start + 1, len(note.lines)):
            stripped = note.lines[index].lstrip()
            hashes = len(stripped) - len(stripped.lstrip("#"))
            if level and 0 < hashes <= level and stripped[hashes : hashes + 1] == " ":
                end = index
                break
        last = start
        for index in range(start + 1, end):
            if note.lines[index].strip():
                last = index
        return last + 1

    # --- verification --------------------------------------------------------------------

    def verify(self, item_ids: Sequence[str]) -> dict[str, Presence]:
        """Gone for an anchor a vault-wide scan did not find; raises SideError otherwise."""
        self._require_snapshot()
        if not self._complete:
            raise SideError(
                "the last vault scan was not vault-wide (a note was busy or unreadable); "
                "a missing task is not taken as deleted"
            )
        return {a: Presence.PRESENT if a in self._where else Presence.GONE for a in item_ids}

    def find_created(self, drafts: Sequence[Draft]) -> dict[str, Written]:
        """Drafts a crashed run already wrote, found by their stamp's anchor."""
        if not self._scanned:
            self.snapshot()
        found: dict[str, Written] = {}
        for draft in drafts:
            outcome = self._written(anchor_for_stamp(draft.stamp))
            if isinstance(outcome, Written):
                found[draft.stamp] = outcome
        return found

    def _require_snapshot(self) -> None:
        if not self._scanned:
            self.snapshot()
