"""A note's text split into lines that join back to the exact original bytes.

:class:`NoteText` keeps a UTF-8 byte-order mark, every line's own ending (LF, CRLF or a lone CR,
or none on a last line) and any byte that is not valid UTF-8 (through ``surrogateescape``), so
``NoteText.decode(data).encode() == data`` for every input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from .structure import live_lines
from .taskline import TaskLine, parse_task_line

__all__ = ["NoteText"]

_BOM: Final = "\ufeff"
_EOL_RE: Final = re.compile(r"(\r\n|\n|\r)")


@dataclass(slots=True)
class NoteText:
    """The lines of one note. ``lines[i] + endings[i]`` is line ``i`` as stored."""

    lines: list[str]
    endings: list[str]
    bom: bool = False
    _live: list[bool] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def decode(cls, data: bytes) -> NoteText:
        """Split ``data`` into lines; never raises (bytes that are not UTF-8 are kept as-is)."""
        text = data.decode("utf-8", errors="surrogateescape")
        bom = text.startswith(_BOM)
        if bom:
            text = text[1:]
        parts = _EOL_RE.split(text)
        lines = parts[0::2]
        endings = [*parts[1::2], ""]
        if lines[-1] == "":
            lines.pop()
            endings.pop()
        return cls(lines, endings, bom)

    def encode(self) -> bytes:
        """The note as bytes, byte-identical to the decoded input where nothing was changed."""
        body = "".join(line + ending for line, ending in zip(self.lines, self.endings, strict=True))
        return ((_BOM if self.bom else "") + body).encode("utf-8", errors="surrogateescape")

    @property
    def newline(self) -> str:
        """The line ending this note uses (its first one), LF when it has none."""
        return next((ending for ending in self.endings if ending), "\n")

    def live(self) -> list[bool]:
        """Per line: True when a task there is live (see :func:`structure.live_lines`)."""
        if self._live is None:
            self._live = live_lines(self.lines)
        return self._live

    def tasks(self) -> Iterator[tuple[int, TaskLine]]:
        """Every live task line, as (line index, parsed line), in file order."""
        live = self.live()
        for index, line in enumerate(self.lines):
            if live[index] and "[" in line:
                task = parse_task_line(line)
                if task is not None:
                    yield index, task

    def replace_line(self, index: int, text: str) -> None:
        """Replace the content of line ``index``, keeping its line ending."""
        self.lines[index] = text
        self._live = None

    def insert_lines(self, index: int, texts: list[str]) -> None:
        """Insert ``texts`` as whole lines before line ``index`` (``len(lines)`` appends).

        The new lines use this note's line ending; appending to a last line that has no ending
        gives that line one first.
        """
        if not texts:
            return
        newline = self.newline
        if index == len(self.lines) and self.lines and not self.endings[-1]:
            self.endings[-1] = newline
        self.lines[index:index] = texts
        self.endings[index:index] = [newline] * len(texts)
        self._live = None

    def delete_line(self, index: int) -> None:
        """Remove line ``index`` and its ending."""
        del self.lines[index]
        del self.endings[index]
        self._live = None
