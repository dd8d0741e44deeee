"""Turning Omi's JSON answers into the typed records of :mod:`omisync.omi._models`.

Tolerant of what the real backend sends (null timestamps and flags, legacy categories, extra
fields); strict about what a record cannot do without. A problem raises
:class:`AnswerProblem` naming the item and the field; the HTTP layer adds the request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from omisync.omi._models import (
    ActionItem,
    Conversation,
    ConversationActionItem,
    ConversationCreated,
    ConversationEvent,
    ConversationStructured,
    DevApiKey,
    DevApiKeyCreated,
    Geolocation,
    Memory,
    TranscriptSegment,
)

T = TypeVar("T")

_MISSING: Any = object()


class Noun(NamedTuple):
    """What messages call one record (``one``) and several (``many``)."""

    one: str
    many: str


class AnswerProblem(Exception):
    """An answer lacks something or has the wrong shape; ``str()`` says where and what."""


def parse_datetime(value: object) -> datetime:
    """An ISO-8601 string (or Unix seconds) as an aware UTC datetime; a naive value is UTC.

    Raises ``ValueError`` for anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected an ISO-8601 date-time, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected an ISO-8601 date-time, got {value!r}")
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 date-time, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"expected an ISO-8601 date-time, got {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class _Fields:
    """Typed access to one JSON object's fields, with errors that say ``where``."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise AnswerProblem(f"{where}: expected a JSON object, got {_kind(data)}")
        self._data = data
        self.where = where

    def _fail(self, name: str, expected: str) -> AnswerProblem:
        return AnswerProblem(
            f"{self.where} field {name!r}: expected {expected}, got {_kind(self._data[name])}"
        )

    def _get(self, name: str, default: Any) -> Any:
        value = self._data.get(name)
        if value is None:
            if default is _MISSING:
                state = "is null" if name in self._data else "is missing"
                raise AnswerProblem(f"{self.where} field {name!r} {state}")
            return default
        return value

    def present(self, name: str) -> object:
        """The field's value, which must be there and not null."""
        return self._get(name, _MISSING)

    def text(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is not default and not isinstance(value, str):
            raise self._fail(name, "a string")
        return value

    def flag(self, name: str, default: bool | None) -> Any:
        value = self._data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def number(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(name, "a number")
        return float(value)

    def integer(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise self._fail(name, "a whole number")
        return int(value)

    def moment(self, name: str, default: Any = None) -> Any:
        value = self._get(name, default)
        if value is default:
            return value
        try:
            return parse_datetime(value)
        except ValueError as exc:
            raise AnswerProblem(f"{self.where} field {name!r}: {exc}") from None

    def texts(self, name: str, default: Any = ()) -> Any:
        value = self._get(name, default)
        if value is default:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(name, "a list of strings")
        return tuple(value)

    def records(self, name: str, parse: Callable[[object, str], T]) -> tuple[T, ...] | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self._fail(name, "a list")
        return tuple(parse(item, f"{self.where} {name}[{i}]") for i, item in enumerate(value))

    def record(self, name: str, parse: Callable[[object, str], T]) -> T | None:
        value = self._data.get(name)
        return None if value is None else parse(value, f"{self.where} {name}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"string {shown!r}"
    if isinstance(value, bool | int | float):
        return f"{type(value).__name__} {value!r}"
    return {"dict": "an object", "list": "a list"}.get(type(value).__name__, type(value).__name__)


# --- records --------------------------------------------------------------------------------


def parse_memory(data: object, where: str = "memory") -> Memory:
    """A ``DeveloperMemory``; raises :class:`AnswerProblem`."""
    f = _Fields(data, where)
    return Memory(
        id=f.text("id"),
        content=f.text("content", ""),
        category=f.text("category", "interesting"),
        visibility=f.text("visibility", "private"),
        tags=f.texts("tags"),
        created_at=f.moment("created_at"),
        updated_at=f.moment("updated_at"),
        manually_added=f.flag("manually_added", False),
        reviewed=f.flag("reviewed", False),
        user_review=f.flag("user_review", None),
        edited=f.flag("edited", False),
        scoring=f.text("scoring", None),
    )


def parse_action_item(data: object, where: str = "action item") -> ActionItem:
    """A ``DeveloperActionItem``; raises :class:`AnswerProblem`."""
    f = _Fields(data, where)
    return ActionItem(
        id=f.text("id"),
        description=f.text("description", ""),
        completed=f.flag("completed", False),
        created_at=f.moment("created_at"),
        updated_at=f.moment("updated_at"),
        due_at=f.moment("due_at"),
        completed_at=f.moment("completed_at"),
        conversation_id=f.text("conversation_id", None),
    )


def _parse_geolocation(data: object, where: str) -> Geolocation:
    f = _Fields(data, where)
    return Geolocation(
        latitude=f.number("latitude"),
        longitude=f.number("longitude"),
        address=f.text("address", None),
        google_place_id=f.text("google_place_id", None),
        location_type=f.text("location_type", None),
    )


def _parse_segment(data: object, where: str) -> TranscriptSegment:
    f = _Fields(data, where)
    return TranscriptSegment(
        text=f.text("text", ""),
        start=f.number("start"),
        end=f.number("end"),
        id=f.text("id", None),
        speaker_id=f.integer("speaker_id", None),
        speaker_name=f.text("speaker_name", None),
    )


def _parse_embedded_action_item(data: object, where: str) -> ConversationActionItem:
    f = _Fields(data, where)
    return ConversationActionItem(
        description=f.text("description", ""),
        completed=f.flag("completed", False),
        created_at=f.moment("created_at"),
        updated_at=f.moment("updated_at"),
        due_at=f.moment("due_at"),
        completed_at=f.moment("completed_at"),
        conversation_id=f.text("conversation_id", None),
    )


def _parse_event(data: object, where: str) -> ConversationEvent:
    f = _Fields(data, where)
    return ConversationEvent(
        title=f.text("title", ""),
        start=f.moment("start", _MISSING),
        description=f.text("description", ""),
        duration=f.integer("duration", 30),
        created=f.flag("created", False),
    )


def _parse_structured(data: object, where: str) -> ConversationStructured:
    f = _Fields(data, where)
    return ConversationStructured(
        title=f.text("title", ""),
        overview=f.text("overview", ""),
        emoji=f.text("emoji", "🧠"),
        category=f.text("category", "other"),
        action_items=f.records("action_items", _parse_embedded_action_item) or (),
        events=f.records("events", _parse_event) or (),
    )


def parse_conversation(data: object, where: str = "conversation") -> Conversation:
    """A ``DeveloperConversation``; raises :class:`AnswerProblem`."""
    f = _Fields(data, where)
    return Conversation(
        id=f.text("id"),
        created_at=f.moment("created_at"),
        structured=f.record("structured", _parse_structured) or ConversationStructured(),
        started_at=f.moment("started_at"),
        finished_at=f.moment("finished_at"),
        language=f.text("language", None),
        source=f.text("source", None),
        geolocation=f.record("geolocation", _parse_geolocation),
        folder_id=f.text("folder_id", None),
        folder_name=f.text("folder_name", None),
        transcript_segments=f.records("transcript_segments", _parse_segment),
    )


def parse_conversation_created(data: object, where: str = "answer") -> ConversationCreated:
    """A ``ConversationCreateResponse``; raises :class:`AnswerProblem`."""
    f = _Fields(data, where)
    return ConversationCreated(
        id=f.text("id"),
        status=f.text("status", "completed"),
        discarded=f.flag("discarded", False),
    )


def parse_dev_api_key(data: object, where: str = "key") -> DevApiKey:
    """A ``DevApiKey``; raises :class:`AnswerProblem`."""
    f = _Fields(data, where)
    scopes = f.texts("scopes", None)
    return DevApiKey(
        id=f.text("id"),
        name=f.text("name", ""),
        key_prefix=f.text("key_prefix", ""),
        created_at=f.moment("created_at"),
        last_used_at=f.moment("last_used_at"),
        scopes=scopes,
    )


def parse_dev_api_key_created(data: object, where: str = "answer") -> DevApiKeyCreated:
    """A ``DevApiKeyCreated``; raises :class:`AnswerProblem`."""
    return DevApiKeyCreated(
        info=parse_dev_api_key(data, where), key=_Fields(data, where).text("key")
    )


# --- envelopes ------------------------------------------------------------------------------


def parse_list(data: object, parse: Callable[[object, str], T], noun: Noun) -> list[T]:
    """A bare JSON array of records; item errors name their index and id."""
    if not isinstance(data, list):
        raise AnswerProblem(f"expected a JSON array of {noun.many}, got {_kind(data)}")
    return [parse(item, _item_where(noun.one, i, item)) for i, item in enumerate(data)]


def parse_batch(
    data: object, key: str, parse: Callable[[object, str], T], noun: Noun, expected: int
) -> list[T]:
    """A batch answer ``{key: [...], "created_count": n}`` holding ``expected`` records."""
    items = parse_list(_Fields(data, "answer").present(key), parse, noun)
    if len(items) != expected:
        raise AnswerProblem(
            f"answer field {key!r}: sent {expected} {noun.many}, got {len(items)} back"
        )
    return items


def parse_success(data: object) -> None:
    """A ``{"success": true}`` answer; raises :class:`AnswerProblem` on ``false``."""
    f = _Fields(data, "answer")
    if f.flag("success", True) is False:
        raise AnswerProblem("answer field 'success' is false")


def _item_where(noun: str, index: int, item: object) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
        return f"{noun} #{index} (id {item['id']!r})"
    return f"{noun} #{index}"
