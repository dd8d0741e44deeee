"""Canonical records: the synced fields of a task and a note, normalised into projections.

A *projection* is a JSON-able dict of only the fields omisync syncs, normalised so that two
sides holding the same thing produce equal dicts and equal hashes. Every side builds its
projections with :func:`task_projection` or :func:`note_projection` (or checks foreign input
with :func:`normalise`).

Due dates keep their kind (:class:`Due`): a date-only due, a floating date-time (wall-clock
time, no zone) and a fixed instant stay distinct, and a date-only value never passes through a
time zone. Omi stores ``due_at`` as a UTC instant; :func:`due_to_instant` and
:func:`due_from_instant` map between the two at local noon in a configured zone, so a date-only
due survives the round trip whatever the zone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any

from omisync.sync.links import Kind, Projection, projection_hash

__all__ = [
    "NOTE_FIELDS",
    "TASK_FIELDS",
    "VISIBILITIES",
    "Due",
    "DueKind",
    "RecordError",
    "due_from_instant",
    "due_to_instant",
    "match_key",
    "normalise",
    "note_projection",
    "projection_hash",
    "task_projection",
]

#: The synced fields of a task, in canonical order.
TASK_FIELDS = ("text", "done", "due")
#: The synced fields of a note, in canonical order.
NOTE_FIELDS = ("text", "category", "tags", "visibility")
#: The visibilities a note may have (Omi's own two values).
VISIBILITIES = ("private", "public")

#: Omi's convention for a date-only due: local noon, robust against day shifts in any zone.
LOCAL_NOON = time(12, 0)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHITESPACE_RE = re.compile(r"\s+")


class RecordError(ValueError):
    """A value cannot become part of a canonical record; the message names the field and why."""


class DueKind(StrEnum):
    """The three kinds of due date, which never turn into one another by accident."""

    DATE = "date"
    """A calendar day with no time (an all-day task)."""
    FLOATING = "floating"
    """A wall-clock date-time with no zone: 09:00 wherever the user is."""
    INSTANT = "instant"
    """A fixed point in time (stored in UTC)."""


@dataclass(frozen=True, slots=True)
class Due:
    """A due date that keeps its kind.

    ``value`` is a :class:`date` for ``DATE``, a naive :class:`datetime` for ``FLOATING`` and an
    aware UTC :class:`datetime` for ``INSTANT``. Build one with :meth:`on_date`,
    :meth:`floating` or :meth:`instant`, or :meth:`parse` its JSON form.
    """

    kind: DueKind
    value: date

    @classmethod
    def on_date(cls, day: date) -> Due:
        """Return a date-only due. Raises :class:`RecordError` when given a datetime."""
        if isinstance(day, datetime):
            raise RecordError(f"due: a date-only due needs a date, not the date-time {day}")
        return cls(DueKind.DATE, day)

    @classmethod
    def floating(cls, moment: datetime) -> Due:
        """Return a floating due. Raises :class:`RecordError` when ``moment`` has a zone."""
        if moment.tzinfo is not None:
            raise RecordError(f"due: a floating date-time has no zone, got {moment.isoformat()}")
        return cls(DueKind.FLOATING, moment)

    @classmethod
    def instant(cls, moment: datetime) -> Due:
        """Return a fixed-instant due, normalised to UTC.

        Raises :class:`RecordError` when ``moment`` is naive (its meaning would be a guess).
        """
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise RecordError(f"due: an instant needs a time zone, got {moment.isoformat()}")
        return cls(DueKind.INSTANT, moment.astimezone(UTC))

    @classmethod
    def parse(cls, text: str) -> Due:
        """Parse the JSON form written by :meth:`to_json` (an instant may carry any offset).

        ``2024-05-01`` is date-only, ``2024-05-01T09:30:00`` floating, and
        ``2024-05-01T07:30:00Z`` or ``2024-05-01T09:30:00+02:00`` an instant. Raises
        :class:`RecordError` naming the bad value.
        """
        if not isinstance(text, str):
            raise RecordError(f"due: expected an ISO date or date-time string, got {text!r}")
        candidate = text.strip()
        try:
            if _DATE_RE.match(candidate):
                return cls.on_date(date.fromisoformat(candidate))
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            raise RecordError(
                f"due: {text!r} is not an ISO date (YYYY-MM-DD) or date-time "
                "(YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM])"
            ) from None
        if moment.tzinfo is None:
            return cls.floating(moment)
        return cls.instant(moment)

    def to_json(self) -> str:
        """Return the canonical string form; its shape alone tells the kind (see :meth:`parse`)."""
        if self.kind is DueKind.DATE:
            return self.value.isoformat()
        assert isinstance(self.value, datetime)
        if self.kind is DueKind.FLOATING:
            return self.value.isoformat(timespec=_timespec(self.value))
        naive = self.value.replace(tzinfo=None)
        return naive.isoformat(timespec=_timespec(naive)) + "Z"

    def day(self, zone: tzinfo) -> date:
        """Return the calendar day this due falls on for someone living in ``zone``."""
        if self.kind is DueKind.DATE:
            return self.value
        assert isinstance(self.value, datetime)
        if self.kind is DueKind.FLOATING:
            return self.value.date()
        return self.value.astimezone(zone).date()


def _timespec(moment: datetime) -> str:
    return "microseconds" if moment.microsecond else "seconds"


def due_to_instant(due: Due, zone: tzinfo) -> datetime:
    """Return the aware UTC instant Omi should store for ``due``.

    A date-only due becomes local noon of that day in ``zone``; a floating due is read as wall
    time in ``zone``; an instant is returned as it is.
    """
    if due.kind is DueKind.INSTANT:
        assert isinstance(due.value, datetime)
        return due.value
    if due.kind is DueKind.DATE:
        local = datetime.combine(due.value, LOCAL_NOON, tzinfo=zone)
    else:
        assert isinstance(due.value, datetime)
        local = due.value.replace(tzinfo=zone)
    return local.astimezone(UTC)


def due_from_instant(moment: datetime, zone: tzinfo) -> Due:
    """Return the due an Omi ``due_at`` stands for.

    An instant that is exactly local noon in ``zone`` maps back to a date-only due (the inverse
    of :func:`due_to_instant`); any other instant stays an instant. A naive ``moment`` is taken
    as UTC, as the Omi backend does.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    if local.time() == LOCAL_NOON and due_to_instant(Due.on_date(local.date()), zone) == moment:
        return Due.on_date(local.date())
    return Due.instant(moment)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{where}: expected text, got {type(value).__name__}")
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _due_json(value: Due | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Due):
        return value.to_json()
    return Due.parse(value).to_json()


def task_projection(text: str, done: bool, due: Due | str | None = None) -> Projection:
    """Return the canonical projection of a task: ``{"text", "done", "due"}``.

    Text is NFC-normalised with line endings unified and outer whitespace stripped; ``due`` is a
    :class:`Due`, its JSON string, or ``None``. Raises :class:`RecordError` on a bad value.
    """
    if not isinstance(done, bool):
        raise RecordError(f"task.done: expected true or false, got {done!r}")
    return {"text": _text(text, "task.text"), "done": done, "due": _due_json(due)}


def note_projection(
    text: str,
    category: str | None = None,
    tags: Iterable[str] = (),
    visibility: str = "private",
) -> Projection:
    """Return the canonical projection of a note: ``{"text", "category", "tags", "visibility"}``.

    Tags are stripped, de-duplicated and sorted; empty tags are dropped. ``category`` is kept as
    given (``None`` when the side has none). Raises :class:`RecordError` on a bad value, e.g. a
    visibility other than ``private`` or ``public``.
    """
    if isinstance(tags, str):
        raise RecordError("note.tags: expected a list of tags, got a single string")
    clean_tags = sorted({_text(tag, "note.tags") for tag in tags} - {""})
    clean_category = None if category is None else (_text(category, "note.category") or None)
    visible = _text(visibility, "note.visibility").lower()
    if visible not in VISIBILITIES:
        raise RecordError(
            f"note.visibility: {visibility!r} is not one of {', '.join(VISIBILITIES)}"
        )
    return {
        "text": _text(text, "note.text"),
        "category": clean_category,
        "tags": clean_tags,
        "visibility": visible,
    }


def normalise(kind: Kind, fields: Mapping[str, Any]) -> Projection:
    """Return the canonical projection of ``fields`` (a dict from a side, a file or the DB).

    Raises :class:`RecordError` naming the field when a required field is missing, a field is
    unknown, or a value has the wrong type.
    """
    allowed = TASK_FIELDS if kind is Kind.TASK else NOTE_FIELDS
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise RecordError(f"{kind}: unknown field(s) {', '.join(unknown)}; known: {allowed}")
    if "text" not in fields:
        raise RecordError(f"{kind}.text: missing")
    if kind is Kind.TASK:
        return task_projection(fields["text"], fields.get("done", False), fields.get("due"))
    return note_projection(
        fields["text"],
        fields.get("category"),
        fields.get("tags") or (),
        fields.get("visibility") or "private",
    )


def match_key(kind: Kind, projection: Projection, zone: tzinfo) -> tuple[str, date | None]:
    """Return the key two unlinked items must share to be recognised as the same item.

    The key is the text, case-folded with whitespace collapsed, plus (for tasks) the calendar
    day of the due in ``zone`` so a date-only due matches its noon instant. A due that cannot be
    parsed is treated as no due.
    """
    text = _WHITESPACE_RE.sub(" ", unicodedata.normalize("NFKC", projection["text"])).strip()
    if kind is Kind.NOTE or projection.get("due") is None:
        return text.casefold(), None
    try:
        return text.casefold(), Due.parse(projection["due"]).day(zone)
    except RecordError:
        return text.casefold(), None
