"""YAML frontmatter: read it, and change a few keys without reformatting the rest.

:func:`update_frontmatter` rewrites only the top-level keys it is given, and only when their
value actually changes; every other line (unknown keys, comments, the user's quoting and list
style) is kept byte for byte. Missing keys are appended at the end of the block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

import yaml

from .document import NoteText
from .structure import frontmatter_end

__all__ = ["REMOVE", "FrontmatterError", "read_frontmatter", "update_frontmatter"]

REMOVE: Final = object()
"""A value for :func:`update_frontmatter`: delete the key."""

_KEY_RE: Final = re.compile(r"""(?P<key>[^\s#:'"\-?][^:#]*?|"[^"]*"|'[^']*')\s*:(?:\s|$)""")


class FrontmatterError(ValueError):
    """The frontmatter is not valid YAML or not a mapping; the message names the place."""


def _plain(value: Any) -> Any:
    """YAML dates and times as ISO strings (so values compare and serialise stably)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def read_frontmatter(note: NoteText, where: str) -> dict[str, Any]:
    """The frontmatter of ``note`` as a dict ({} when there is none).

    Dates and times come back as ISO strings. Raises FrontmatterError naming ``where`` when
    the block is not valid YAML or not a mapping.
    """
    end = frontmatter_end(note.lines)
    if end == 0:
        return {}
    text = "\n".join(note.lines[1 : end - 1])
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        raise FrontmatterError(
            f"{where}{line}: the frontmatter is not valid YAML ({error}); fix or remove it"
        ) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise FrontmatterError(f"{where}: the frontmatter must be 'key: value' lines")
    plain = _plain(loaded)
    assert isinstance(plain, dict)
    return plain


def _key_of(line: str) -> str | None:
    """The top-level key a frontmatter line starts, or None for a continuation line."""
    found = _KEY_RE.match(line)
    if found is None:
        return None
    return found.group("key").strip("'\"")


def _starts_entry(line: str) -> bool:
    """True when ``line`` starts a new top-level entry (a key or a column-0 comment)."""
    return line.startswith("#") or _key_of(line) is not None


class _ObsidianDumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as Obsidian writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _render(key: str, value: Any) -> list[str]:
    dumped = yaml.dump(
        {key: value},
        Dumper=_ObsidianDumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
        default_flow_style=False,
    )
    return dumped.rstrip("\n").split("\n")


def update_frontmatter(note: NoteText, updates: Mapping[str, Any], where: str) -> bool:
    """Set (or, with :data:`REMOVE`, delete) top-level frontmatter keys of ``note`` in place.

    A key whose current value already equals the new one is not touched. A note without
    frontmatter gets a block. Returns True when the note changed. Raises FrontmatterError when
    the existing block is invalid (nothing is changed then).
    """
    current = read_frontmatter(note, where)
    changes = {
        key: value
        for key, value in updates.items()
        if ((key in current) if value is REMOVE else current.get(key, REMOVE) != _plain(value))
    }
    if not changes:
        return False
    end = frontmatter_end(note.lines)
    if end == 0:
        note.insert_lines(0, ["---", "---"])
        end = 2
    index = 1
    while index < end - 1:
        key = _key_of(note.lines[index])
        if key is None or key not in changes:
            index += 1
            continue
        stop = index + 1
        while stop < end - 1 and not _starts_entry(note.lines[stop]):
            stop += 1
        while stop > index + 1 and not note.lines[stop - 1].strip():
            stop -= 1  # blank lines after a value belong to the layout, not the value
        value = changes.pop(key)
        new_lines = [] if value is REMOVE else _render(key, value)
        for _ in range(stop - index):
            note.delete_line(index)
        note.insert_lines(index, new_lines)
        end += len(new_lines) - (stop - index)
        index += len(new_lines)
    appended = [line for key, value in changes.items() if value is not REMOVE
                for line in _render(key, value)]  # fmt: skip
    note.insert_lines(end - 1, appended)
    return True
