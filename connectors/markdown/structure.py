"""Which lines of a note can hold a live task: not frontmatter, code or a comment.

The Obsidian Tasks plugin ignores task-shaped lines inside fenced code blocks (```` ``` ```` and
``~~~``, also inside quotes and callouts), inside ``%% … %%`` Obsidian comments and inside
``<!-- … -->`` HTML comments. YAML frontmatter is never a task either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = ["frontmatter_end", "live_lines"]

_FENCE_RE: Final = re.compile(r"[\s>]*(?P<fence>`{3,}|~{3,})(?P<rest>.*)\Z")
_COMMENT_TOKEN_RE: Final = re.compile(r"%%|<!--|-->")


def frontmatter_end(lines: Sequence[str]) -> int:
    """The number of leading lines that form YAML frontmatter (0 when there is none).

    Frontmatter opens with a ``---`` first line and closes with the next ``---`` (or ``...``)
    line; an unclosed block is not frontmatter.
    """
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return 0


def _opens_fence(line: str) -> tuple[str, int] | None:
    found = _FENCE_RE.match(line)
    if found is None:
        return None
    fence = found.group("fence")
    if fence[0] == "`" and "`" in found.group("rest"):
        return None  # an inline code span such as ```x```, not a fence
    return fence[0], len(fence)


def _closes_fence(line: str, char: str, length: int) -> bool:
    found = _FENCE_RE.match(line)
    return (
        found is not None
        and found.group("fence")[0] == char
        and len(found.group("fence")) >= length
        and not found.group("rest").strip()
    )


def live_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, True when a task on it is live (outside frontmatter, code and comments).

    A line counts as inside a comment when the comment is open where the line starts; a task
    line that merely ends with an inline ``%% note %%`` is live.
    """
    live = [False] * len(lines)
    fence: tuple[str, int] | None = None
    in_percent = False
    in_html = False
    for index in range(frontmatter_end(lines), len(lines)):
        line = lines[index]
        if fence is not None:
            if _closes_fence(line, *fence):
                fence = None
            continue
        if not in_percent and not in_html:
            fence = _opens_fence(line)
            if fence is not None:
                continue
            live[index] = True
        for token in _COMMENT_TOKEN_RE.finditer(line):
            text = token.group()
            if in_html:
                in_html = text != "-->"
            elif in_percent:
                in_percent = text != "%%"
            elif text == "%%":
                in_percent = True
            elif text == "<!--":
                in_html = True
    return live
