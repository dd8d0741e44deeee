r"""Obsidian Tasks line format: a position-keeping parser and a surgical writer.

:func:`parse_task_line` reads one line (without its line ending) the way the Obsidian Tasks
plugin does (``DefaultTaskSerializer``): indentation (spaces, tabs, ``>`` for quotes and
callouts), a list marker, ``[c]``, then a body whose fields are stripped from the *end* in a loop
(priority, dates, recurrence, on-completion, id, depends-on and trailing ``#tags``), with one
optional trailing block id ``^id``. Every token keeps its position in the original line.

:func:`edit_task_line` changes only the tokens omisync owns (the checkbox, the description, the
📅 due date, the ✅ done date and the block id) and copies every other character unchanged.

A task's *text* (what syncs with Omi) is its description as Obsidian shows it: a ``\#`` that
would otherwise start a tag reads as ``#``. :func:`encode_description` makes Omi's text into a
description that parses back to exactly that text (a ``#word`` is escaped so it is no tag), and
refuses a text it cannot write faithfully (one ending in what Tasks reads as a field, such as
``📅 2026-01-01``: Tasks has no escape for those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

__all__ = [
    "KEEP",
    "Field",
    "FieldKind",
    "Keep",
    "TaskEdit",
    "TaskLine",
    "clean_description",
    "edit_task_line",
    "encode_description",
    "parse_task_line",
]

_VS16: Final = "\ufe0f?"
_DATE: Final = r"(\d{4}-\d{2}-\d{2})"
_ID: Final = r"[A-Za-z0-9_-]+"

# The task shape: indentation, list marker, spaces, [status], then the body. omisync requires a
# space (or the end of the line) after "]" so that a Markdown link such as "- [x](url)" is not
# read as a task.
_TASK_RE: Final = re.compile(
    r"(?P<indent>[\s>]*)(?P<marker>[-*+]|[0-9]+[.)]) +\[(?P<status>.)\](?P<body>(?: .*)?)\Z"
)
_BLOCK_RE: Final = re.compile(r" \^([A-Za-z0-9-]+)\Z")
_TAG_RE: Final = re.compile(r"(?:^|(?<=\s))(#[^ !@#$%^&*(),.?\":{}|<>]+)\Z")


class FieldKind(StrEnum):
    """A kind of Tasks field that can follow the description."""

    PRIORITY = "priority"
    DONE = "done"
    CANCELLED = "cancelled"
    DUE = "due"
    REMINDER = "reminder"
    SCHEDULED = "scheduled"
    START = "start"
    CREATED = "created"
    RECURRENCE = "recurrence"
    ON_COMPLETION = "on_completion"
    ID = "id"
    DEPENDS_ON = "depends_on"
    TAG = "tag"


def _field(symbols: str, value: str = "") -> re.Pattern[str]:
    """A field regex anchored at the end: ``symbol``, optional VS16, spaces, ``value``."""
    source = f"(?P<symbol>(?:{symbols}){_VS16})"
    if value:
        source += f" *(?P<value>{value})"
    return re.compile(source + r"\Z")


# Tried in this order on every pass, as the Tasks plugin does; a pass that strips nothing ends
# the loop (at most _MAX_PASSES passes).
_FIELD_PATTERNS: Final[tuple[tuple[FieldKind, re.Pattern[str]], ...]] = (
    (FieldKind.PRIORITY, _field("🔺|⏫|🔼|🔽|⏬")),
    (FieldKind.DONE, _field("✅", _DATE)),
    (FieldKind.CANCELLED, _field("❌", _DATE)),
    (FieldKind.DUE, _field("📅|📆|🗓", _DATE)),
    (FieldKind.REMINDER, _field("⏰", _DATE + r"(?: \d{2}:\d{2})?")),
    (FieldKind.SCHEDULED, _field("⏳|⌛", _DATE)),
    (FieldKind.START, _field("🛫", _DATE)),
    (FieldKind.CREATED, _field("➕", _DATE)),
    (FieldKind.RECURRENCE, _field("🔁", r"[a-zA-Z0-9, !]+")),
    (FieldKind.ON_COMPLETION, _field("🏁", r"[a-zA-Z]+")),
    (FieldKind.ID, _field("🆔", _ID)),
    (FieldKind.DEPENDS_ON, _field("⛔", f"{_ID}(?: *, *{_ID} *)*")),
)
_MAX_PASSES: Final = 20
_DONE_STATUSES: Final = frozenset("xX-")


@dataclass(frozen=True, slots=True)
class Field:
    """One field token on a task line; ``start``/``end`` index the whole line.

    ``value_start`` is where the value begins (``end`` for a field with no value, such as a
    priority); for a tag, ``symbol`` is empty and ``value`` is the tag including its ``#``.
    """

    kind: FieldKind
    symbol: str
    value: str
    start: int
    value_start: int
    end: int


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A parsed Tasks line. Every span indexes ``line`` (the line without its ending).

    ``fields`` are in line order. ``content_end`` is where the last description or field
    character ends (trailing spaces and the block id come after it). ``after_checkbox`` is the
    index just after ``]``.
    """

    line: str
    indent: str
    marker: str
    status: str
    status_index: int
    after_checkbox: int
    description_start: int
    description_end: int
    fields: tuple[Field, ...]
    content_end: int
    block_id: str | None
    block_start: int | None

    @property
    def description(self) -> str:
        """The description: the body before the trailing fields and tags (may be empty)."""
        return self.line[self.description_start : self.description_end]

    @property
    def text(self) -> str:
        r"""The description as Obsidian shows it (``\#tag`` reads ``#tag``): what syncs."""
        return _ESCAPED_TAG_RE.sub("#", self.description)

    @property
    def is_done(self) -> bool:
        """True when the status is done (``x``/``X``) or cancelled (``-``)."""
        return self.status in _DONE_STATUSES

    def first(self, kind: FieldKind) -> Field | None:
        """The leftmost field of ``kind`` (the one the Tasks plugin keeps), or None."""
        return next((f for f in self.fields if f.kind is kind), None)

    def field_date(self, kind: FieldKind) -> date | None:
        """The date of the leftmost ``kind`` field; None when absent or not a real date."""
        found = self.first(kind)
        if found is None:
            return None
        try:
            return date.fromisoformat(found.value[:10])
        except ValueError:
            return None

    @property
    def due(self) -> date | None:
        """The 📅 due date (date-only; no time zone is ever involved), or None."""
        return self.field_date(FieldKind.DUE)

    @property
    def done_date(self) -> date | None:
        """The ✅ done date, or None."""
        return self.field_date(FieldKind.DONE)

    @property
    def recurrence(self) -> str | None:
        """The 🔁 rule text (e.g. ``every week``), or None for a one-off task."""
        found = self.first(FieldKind.RECURRENCE)
        return found.value.strip() if found else None

    @property
    def tags(self) -> tuple[str, ...]:
        """Every ``#tag`` on the line (in the description or among the fields), in line order."""
        trailing = [f.value for f in self.fields if f.kind is FieldKind.TAG]
        inline = [m.group(1) for m in _INLINE_TAG_RE.finditer(self.description)]
        return tuple(inline + trailing)


_TAG_CHAR: Final = r"[^\s!@#$%^&*(),.?\":{}|<>]"
_INLINE_TAG_RE: Final = re.compile(rf"(?:^|(?<=\s))(#{_TAG_CHAR}+)")
# A "#" that starts a tag, and the escaped form of one (which Obsidian shows as plain "#").
_TAG_START_RE: Final = re.compile(rf"(?:^|(?<=\s))#(?={_TAG_CHAR})")
_ESCAPED_TAG_RE: Final = re.compile(rf"(?:^|(?<=\s))\\#(?={_TAG_CHAR})")


def _rstrip_index(line: str, start: int, end: int) -> int:
    """The index after the last non-whitespace character of ``line[start:end]`` (or start)."""
    while end > start and line[end - 1].isspace():
        end -= 1
    return end


def parse_task_line(line: str) -> TaskLine | None:
    """Parse one line (no line ending) as an Obsidian Tasks line.

    Returns None when the line is not a task line. Never raises: a date that is not a real date
    is kept as text in its field (``TaskLine.due`` then returns None).
    """
    match = _TASK_RE.match(line)
    if match is None:
        return None
    after_checkbox = match.start("body")
    block_id: str | None = None
    block_start: int | None = None
    end = _rstrip_index(line, after_checkbox, len(line))
    block = _BLOCK_RE.search(line, after_checkbox, end)
    if block is not None:
        block_id = block.group(1)
        block_start = block.start() + 1
        end = _rstrip_index(line, after_checkbox, block.start())
    body_start = after_checkbox
    while body_start < end and line[body_start].isspace():
        body_start += 1
    content_end = end

    fields: list[Field] = []
    for _ in range(_MAX_PASSES + 1):
        matched = False
        for kind, pattern in _FIELD_PATTERNS:
            found = pattern.search(line, body_start, end)
            if found is None:
                continue
            value_start = found.start("value") if "value" in pattern.groupindex else found.end()
            fields.append(
                Field(kind, found.group("symbol"), line[value_start : found.end()],
                      found.start(), value_start, found.end())
            )  # fmt: skip
            end = _rstrip_index(line, body_start, found.start())
            matched = True
        tag = _TAG_RE.search(line[body_start:end])
        if tag is not None:
            start = body_start + tag.start(1)
            fields.append(
                Field(FieldKind.TAG, "", tag.group(1), start, start, body_start + tag.end())
            )
            end = _rstrip_index(line, body_start, start)
            matched = True
        if not matched:
            break

    fields.sort(key=lambda f: f.start)
    return TaskLine(
        line=line,
        indent=match.group("indent"),
        marker=match.group("marker"),
        status=match.group("status"),
        status_index=match.start("status"),
        after_checkbox=after_checkbox,
        description_start=body_start,
        description_end=end,
        fields=tuple(fields),
        content_end=content_end,
        block_id=block_id,
        block_start=block_start,
    )


class Keep:
    """The type of :data:`KEEP`: "leave this token as it is"."""

    _instance: Keep | None = None

    def __new__(cls) -> Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()


@dataclass(frozen=True, slots=True)
class TaskEdit:
    """The owned tokens to change on one task line; a field left at :data:`KEEP` is untouched.

    - ``description``: the new description (newlines become spaces; surrounding space trimmed).
    - ``done``: True ticks the box (``x``) and, with ``done_date``, adds ✅ when absent;
      False unticks it (a space) and removes ✅. A box that already agrees is not touched, so a
      cancelled ``[-]`` stays cancelled when done is True.
    - ``due``: a date sets 📅 (keeping the 📆/🗓 variant the user wrote); None removes it.
    - ``done_date``: the ✅ date written when the task becomes done (or a date to replace an
      existing ✅ date with when ``done`` is KEEP); None removes it.
    - ``block_id``: a new block id (without ``^``); None removes it.
    """

    description: str | Keep = KEEP
    done: bool | Keep = KEEP
    due: date | Keep | None = KEEP
    done_date: date | Keep | None = KEEP
    block_id: str | Keep | None = KEEP


def clean_description(text: str) -> str:
    """Make ``text`` safe as a one-line description: line breaks become spaces, ends trimmed."""
    return re.sub(r"\s*(?:\r\n|\r|\n)\s*", " ", text).strip()


def encode_description(text: str) -> str:
    r"""The description to write for ``text`` so that the line's :attr:`TaskLine.text` is
    exactly ``clean_description(text)``: each ``#`` that would start a tag is escaped.

    Raises ValueError, saying why and what to change, when no description can carry the
    text: it ends with what Obsidian Tasks reads as a field (a date such as
    ``📅 2026-01-01``, a priority, a recurrence) or Obsidian as a block id (``^abc``), or it
    holds a ``\#`` of its own.
    """
    clean = clean_description(text)
    written = _TAG_START_RE.sub(r"\\#", clean)
    probe = parse_task_line(f"- [ ] {written} ^omi-probe")
    assert probe is not None  # a checkbox line is always a task line
    if probe.description != written:
        kinds = ", ".join(sorted({f.kind.value for f in probe.fields}))
        tail = written[len(probe.description) :].strip()
        raise ValueError(
            f"the text ends with {tail!r}, which Obsidian Tasks would read as the task's "
            f"{kinds}, not as text; reword the end of the text in Omi"
        )
    if probe.text != clean:
        raise ValueError(
            "the text holds '\\#', which the vault cannot tell from an escaped '#'; "
            "remove the backslash in Omi"
        )
    bare = parse_task_line(f"- [ ] {written}")
    if bare is not None and bare.block_id is not None:
        raise ValueError(
            f"the text ends with '^{bare.block_id}', which Obsidian reads as a block id, "
            "not as text; reword the end of the text in Omi"
        )
    return written


@dataclass(frozen=True, slots=True)
class _Splice:
    start: int
    end: int
    text: str
    order: int = 0


def _removal(task: TaskLine, found: Field) -> _Splice:
    """Remove a field with the whitespace before it (or after it, when it opens the body)."""
    start = found.start
    while start > task.description_start and task.line[start - 1].isspace():
        start -= 1
    end = found.end
    if start == task.description_start:
        while end < len(task.line) and task.line[end].isspace() and end < task.content_end:
            end += 1
    return _Splice(start, end, "")


def _set_date(
    task: TaskLine, kind: FieldKind, symbol: str, value: date | None, removing: Field | None = None
) -> list[_Splice]:
    """Splices that set (or with None, remove) the leftmost ``kind`` date field.

    ``removing`` is a field another splice removes (a new 📅 is not placed before it).
    """
    found = task.first(kind)
    if found is None:
        if value is None:
            return []
        token = f"{symbol} {value.isoformat()}"
        if kind is FieldKind.DUE:
            closing = next(
                (
                    f
                    for f in task.fields
                    if f.kind in (FieldKind.DONE, FieldKind.CANCELLED) and f is not removing
                ),
                None,
            )
            if closing is not None:
                return [_Splice(closing.start, closing.start, token + " ", order=1)]
        return [_Splice(task.content_end, task.content_end, " " + token, order=_order(kind))]
    if value is None:
        return [_removal(task, found)]
    if found.value == value.isoformat():
        return []
    return [_Splice(found.value_start, found.end, value.isoformat())]


def _order(kind: FieldKind) -> int:
    """Order of insertions at the same place: due, then done, then the block id."""
    return {FieldKind.DUE: 1, FieldKind.DONE: 2}.get(kind, 3)


def _description_splices(task: TaskLine, text: str) -> list[_Splice]:
    new = clean_description(text)
    if new == task.description:
        return []
    start, end = task.description_start, task.description_end
    if not new:
        while end < task.content_end and task.line[end].isspace():
            end += 1
        return [_Splice(start, end, "")]
    if start == end:
        if start == task.after_checkbox:
            new = " " + new
        if end < len(task.line) and not task.line[end].isspace():
            new += " "
    return [_Splice(start, end, new)]


def _block_splices(task: TaskLine, block_id: str | None) -> list[_Splice]:
    if block_id is not None and not re.fullmatch(r"[A-Za-z0-9-]+", block_id):
        raise ValueError(f"block id {block_id!r} may hold only letters, digits and '-'")
    if task.block_start is None or task.block_id is None:
        if block_id is None:
            return []
        return [_Splice(task.content_end, task.content_end, f" ^{block_id}", order=3)]
    end = task.block_start + 1 + len(task.block_id)
    if block_id is None:
        return [_Splice(task.content_end, end, "")]
    if block_id == task.block_id:
        return []
    return [_Splice(task.block_start + 1, end, block_id)]


def edit_task_line(line: str, edit: TaskEdit) -> str:
    """Return ``line`` with only the owned tokens in ``edit`` changed; all else byte for byte.

    Raises ValueError when ``line`` is not a task line or ``edit.block_id`` is not a legal
    block id.
    """
    task = parse_task_line(line)
    if task is None:
        raise ValueError(f"not a task line: {line[:80]!r}")
    splices: list[_Splice] = []
    if not isinstance(edit.description, Keep):
        splices += _description_splices(task, edit.description)
    done_date = edit.done_date
    if not isinstance(edit.done, Keep):
        if edit.done != task.is_done:
            new_status = "x" if edit.done else " "
            splices.append(_Splice(task.status_index, task.status_index + 1, new_status))
        if not edit.done:
            done_date = None
        elif task.is_done:
            done_date = KEEP  # already done: its ✅ date, if any, is the user's
    removing = task.first(FieldKind.DONE) if done_date is None else None
    if not isinstance(edit.due, Keep):
        splices += _set_date(task, FieldKind.DUE, "📅", edit.due, removing)
    if not isinstance(done_date, Keep):
        splices += _set_date(task, FieldKind.DONE, "✅", done_date)
    if not isinstance(edit.block_id, Keep):
        splices += _block_splices(task, edit.block_id)
    return _apply(line, splices)


def _apply(line: str, splices: list[_Splice]) -> str:
    out: list[str] = []
    position = 0
    # At one position, insertions go first (in their order), then the replacement there.
    for splice in sorted(splices, key=lambda s: (s.start, s.end != s.start, s.order)):
        start = splice.start
        if start < position:
            # Two removals may both take the whitespace between their fields: the later one
            # starts where the earlier one ended. Anything else overlapping is a bug.
            if splice.text or line[start:position].strip():
                raise AssertionError(f"overlapping edits at {start} in {line[:80]!r}")
            start = min(position, splice.end)
        out.append(line[position:start])
        out.append(splice.text)
        position = max(position, splice.end)
    out.append(line[position:])
    return "".join(out)
