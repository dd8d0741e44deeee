"""Which lines of a note can hold a live task: not frontmatter, code or a comment.

The Obsidian Tasks plugin ignores task-shaped lines inside fenced code blocks (```` ``` ```` and
``~~~``, also inside quotes and callouts), inside ``%% … %%`` Obsidian comments and inside
``<!-- … -->`` HTML comments. YAML frontmatter is never a task either. A ``%%`` or ``<!--``
inside an inline code span (```` `%%` ````, ```` ``a `%%` b`` ````) is literal text, as Obsidian
shows it: it opens no comment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = ["frontmatter_end", "live_lines"]

_FENCE_RE: Final = re.compile(r"[\s>]*(?P<fence>`{3,}|~{3,})(?P<rest>.*)\Z")
# Outside a comment a backtick run (not escaped by a backslash) may open an inline code span.
_OPEN_TOKEN_RE: Final = re.compile(r"%%|<!--|(?<!\\)`+")


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


def _code_span_end(line: str, opening: re.Match[str]) -> int:
    """Where the code span opened by the backtick run ``opening`` ends (just after its closing
    run of exactly as many backticks), or the end of the run when nothing closes it (then the
    backticks are literal text, as in CommonMark)."""
    run = len(opening.group())
    closing = re.compile(f"(?<!`){'`' * run}(?!`)").search(line, opening.end())
    return closing.end() if closing is not None else opening.end()


def _comment_state(line: str, in_percent: bool, in_html: bool) -> tuple[bool, bool]:
    """The comment state (inside ``%%``, inside ``<!--``) at the end of ``line``, given the
    state at its start. Inline code spans outside a comment are skipped: their markers are text.
    """
    position = 0
    while True:
        if in_percent or in_html:
            closing = "%%" if in_percent else "-->"
            found = line.find(closing, position)
            if found < 0:
                return in_percent, in_html
            in_percent = in_html = False
            position = found + len(closing)
            continue
        token = _OPEN_TOKEN_RE.search(line, position)
        if token is None:
            return False, False
        text = token.group()
        if text.startswith("`"):
            position = _code_span_end(line, token)
        else:
            in_percent, in_html = text == "%%", text == "<!--"
            position = token.end()


def live_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, True when a task on it is live (outside frontmatter, code and comments).

    A line counts as inside a comment when the comment is open where the line starts; a task
    line that merely ends with an inline ``%% note %%`` is live. Comment markers inside inline
    code spans are text (a prose line such as ``Tip: `%%` starts a comment.`` hides nothing).
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
        in_percent, in_html = _comment_state(line, in_percent, in_html)
    return live
