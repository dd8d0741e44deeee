"""A generated region inside a note the user may also write in.

The region is bounded by marker lines::

    <!-- omisync:begin 3f9a1c2e7b10 -->
    …generated Markdown…
    <!-- omisync:end -->

The begin marker carries a hash of the generated text, so an unchanged source is recognised
without comparing the text, and the region is rewritten only when the source changed. Lines
outside the markers are the user's and are kept byte for byte.
"""

from __future__ import annotations

import re
from typing import Final

from .document import NoteText
from .vaultfs import sha256_hex

__all__ = ["RegionError", "region_hash", "replace_region"]

_BEGIN_RE: Final = re.compile(r"<!-- omisync:begin(?: (?P<hash>[0-9a-f]+))? -->\s*\Z")
_END_RE: Final = re.compile(r"<!-- omisync:end -->\s*\Z")


class RegionError(ValueError):
    """The region markers are damaged (one without the other); the message says how to fix."""


def region_hash(text: str) -> str:
    """The short hash written into the begin marker for the generated ``text``."""
    return sha256_hex(text.encode("utf-8"))[:12]


def _find(note: NoteText, where: str) -> tuple[int, int, str | None] | None:
    begin = next((i for i, line in enumerate(note.lines) if _BEGIN_RE.match(line)), None)
    end = next((i for i, line in enumerate(note.lines) if _END_RE.match(line)), None)
    if begin is None and end is None:
        return None
    if begin is None or end is None or end < begin:
        raise RegionError(
            f"{where}: the '<!-- omisync:begin -->' / '<!-- omisync:end -->' markers are "
            "damaged; restore both marker lines or delete the note to have it regenerated"
        )
    found = _BEGIN_RE.match(note.lines[begin])
    assert found is not None
    return begin, end, found.group("hash")


def replace_region(note: NoteText, text: str, where: str) -> bool:
    """Put ``text`` (Markdown, ``\\n`` line breaks) in the note's generated region, in place.

    A note without a region gets one appended. Returns False (and leaves the note alone) when
    the region already holds ``text``. Raises RegionError when only one marker is present.
    """
    digest = region_hash(text)
    span = _find(note, where)
    if span is not None and span[2] == digest:
        return False
    block = [f"<!-- omisync:begin {digest} -->", *text.split("\n"), "<!-- omisync:end -->"]
    if span is None:
        if note.lines and note.lines[-1].strip():
            block.insert(0, "")
        note.insert_lines(len(note.lines), block)
        return True
    begin, end, _ = span
    for _ in range(end - begin + 1):
        note.delete_line(begin)
    note.insert_lines(begin, block)
    return True
