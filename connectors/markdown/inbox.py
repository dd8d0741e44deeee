"""Inbox files (vault → Omi, one way): plain text, or a ``Speaker: text`` transcript.

A file is a transcript when its first content line and at least half of its content lines
(and at least two) look like ``Speaker: text``, optionally after a ``[mm:ss]`` or
``[h:mm:ss]`` timestamp; other lines continue the previous segment. Anything else is plain
text. Frontmatter is not part of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from omisync.conversations import InboxText, InboxTranscript, Segment

from .document import NoteText
from .structure import frontmatter_end

__all__ = ["parse_inbox"]

_SPEAKER_RE: Final = re.compile(
    r"(?:\[(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2})\]\s*)?"
    r"(?:\*\*)?(?P<speaker>[^\s:*][^:*]{0,38}?)(?:\*\*)?\s*:(?:\*\*)?\s+(?P<text>\S.*)\Z"
)
_SECONDS_PER_WORD: Final = 0.4
_MAX_SPEAKER_WORDS: Final = 4


def _seconds(stamp: str) -> float:
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return float(total)


def _speaker_line(line: str) -> re.Match[str] | None:
    found = _SPEAKER_RE.match(line.strip())
    if found is None or len(found.group("speaker").split()) > _MAX_SPEAKER_WORDS:
        return None
    if "://" in found.group("text")[:3] or found.group("speaker").lower() in ("http", "https"):
        return None
    return found


def parse_inbox(
    data: bytes, user_names: Iterable[str] = ("me", "i")
) -> InboxText | InboxTranscript:
    """Classify and parse an inbox file. Speakers named in ``user_names`` (any case) are the
    user. Never raises; an empty file gives ``InboxText("")`` (the caller refuses it)."""
    note = NoteText.decode(data)
    content = [line for line in note.lines[frontmatter_end(note.lines) :] if line.strip()]
    matches = [_speaker_line(line) for line in content]
    speaker_lines = sum(1 for m in matches if m is not None)
    if not content or matches[0] is None or speaker_lines < max(2, len(content) / 2):
        body = "\n".join(note.lines[frontmatter_end(note.lines) :]).strip()
        return InboxText(body)
    users = {name.lower() for name in user_names}
    raw: list[tuple[str, list[str], float | None]] = []
    for line, found in zip(content, matches, strict=True):
        if found is None:
            raw[-1][1].append(line.strip())
            continue
        stamp = found.group("ts")
        raw.append(
            (
                found.group("speaker").strip(),
                [found.group("text")],
                _seconds(stamp) if stamp else None,
            )
        )
    segments: list[Segment] = []
    clock = 0.0
    for index, (speaker, parts, stamp) in enumerate(raw):
        text = " ".join(parts)
        start = max(stamp, clock) if stamp is not None else clock
        duration = max(1.0, len(text.split()) * _SECONDS_PER_WORD)
        following = raw[index + 1][2] if index + 1 < len(raw) else None
        end = following if following is not None and following > start else start + duration
        segments.append(Segment(speaker, text, start, end, speaker.lower() in users))
        clock = end
    return InboxTranscript(tuple(segments))
