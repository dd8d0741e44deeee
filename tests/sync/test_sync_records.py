"""Canonical records: Due kinds, the local-noon convention, projections and their hash."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omisync.sync import (
    Due,
    DueKind,
    Kind,
    RecordError,
    due_from_instant,
    due_to_instant,
    match_key,
    normalise,
    note_projection,
    projection_hash,
    task_projection,
)

ZONES = sorted(available_timezones() - {"Factory", "localtime"})
zones = st.sampled_from(ZONES).map(ZoneInfo)
days = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))
naive_times = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 12, 30))
instants = naive_times.map(lambda moment: moment.replace(tzinfo=UTC))


@given(days, zones)
def test_a_date_only_due_survives_omi_in_every_zone(day: date, zone: ZoneInfo) -> None:
    instant = due_to_instant(Due.on_date(day), zone)
    assert instant.tzinfo is UTC
    assert due_from_instant(instant, zone) == Due.on_date(day)


@given(instants, zones)
def test_an_instant_that_is_not_local_noon_stays_an_instant(
    moment: datetime, zone: ZoneInfo
) -> None:
    due = due_from_instant(moment, zone)
    if due.kind is DueKind.DATE:
        assert moment.astimezone(zone).time() == datetime(2000, 1, 1, 12).time()
    else:
        assert due == Due.instant(moment)
    assert due_to_instant(due, zone) == moment  # either way, Omi's instant is reproduced


@given(naive_times, zones)
def test_a_floating_due_is_read_as_wall_time_in_the_zone(moment: datetime, zone: ZoneInfo) -> None:
    instant = due_to_instant(Due.floating(moment), zone)
    assert instant.astimezone(zone).replace(tzinfo=None, fold=0) == moment or _in_gap(moment, zone)


def _in_gap(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether ``moment`` is a wall time skipped by a DST change in ``zone``."""
    aware = moment.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment


def test_a_naive_omi_instant_is_taken_as_utc_like_the_backend_does() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert due_from_instant(datetime(2025, 3, 1, 11, 0), berlin) == Due.on_date(date(2025, 3, 1))


@given(
    st.one_of(
        days.map(Due.on_date),
        naive_times.map(Due.floating),
        instants.map(Due.instant),
    )
)
def test_the_json_form_keeps_the_kind(due: Due) -> None:
    assert Due.parse(due.to_json()) == due


@pytest.mark.parametrize(
    ("text", "kind", "json"),
    [
        ("2025-03-01", DueKind.DATE, "2025-03-01"),
        ("2025-03-01T09:30", DueKind.FLOATING, "2025-03-01T09:30:00"),
        ("2025-03-01T09:30:00+02:00", DueKind.INSTANT, "2025-03-01T07:30:00Z"),
        ("2025-03-01T07:30:00.250Z", DueKind.INSTANT, "2025-03-01T07:30:00.250000Z"),
    ],
)
def test_parse_reads_the_kind_from_the_shape(text: str, kind: DueKind, json: str) -> None:
    due = Due.parse(text)
    assert (due.kind, due.to_json()) == (kind, json)


@pytest.mark.parametrize("bad", ["tomorrow", "2025-13-01", "", "2025-03-01T25:00"])
def test_a_bad_due_names_the_field_and_the_expected_shape(bad: str) -> None:
    with pytest.raises(RecordError, match=r"due: .* is not an ISO date"):
        Due.parse(bad)


def test_constructors_refuse_the_wrong_kind_of_value() -> None:
    with pytest.raises(RecordError, match="date-only"):
        Due.on_date(datetime(2025, 1, 1))
    with pytest.raises(RecordError, match="floating"):
        Due.floating(datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(RecordError, match="needs a time zone"):
        Due.instant(datetime(2025, 1, 1))


@pytest.fixture(params=["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def process_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test with the process's TZ set (restored afterwards)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_a_date_only_due_ignores_the_process_time_zone(process_tz: str) -> None:
    due = Due.parse("2025-03-01")
    assert due.to_json() == "2025-03-01"
    assert due.day(ZoneInfo("Pacific/Kiritimati")) == date(2025, 3, 1)
    assert task_projection("A", False, due)["due"] == "2025-03-01"


def test_due_day_reads_an_instant_in_the_given_zone() -> None:
    late = Due.parse("2025-03-01T23:30:00Z")
    assert late.day(ZoneInfo("Europe/Berlin")) == date(2025, 3, 2)
    assert late.day(timezone(timedelta(hours=-5))) == date(2025, 3, 1)


# --- projections ---------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@given(texts, st.booleans(), st.one_of(st.none(), days.map(lambda d: d.isoformat())))
def test_task_projection_is_idempotent(text: str, done: bool, due: str | None) -> None:
    once = task_projection(text, done, due)
    assert normalise(Kind.TASK, once) == once


@given(texts, st.one_of(st.none(), texts), st.lists(texts), st.sampled_from(["private", "PUBLIC"]))
def test_note_projection_is_idempotent_and_order_free(
    text: str, category: str | None, tags: list[str], visibility: str
) -> None:
    once = note_projection(text, category, tags, visibility)
    assert normalise(Kind.NOTE, once) == once
    assert note_projection(text, category, reversed(tags), visibility) == once


def test_text_is_stripped_with_unified_line_ends_and_nfc() -> None:
    assert task_projection("  Cafe\u0301\r\nnext  ", False)["text"] == "Café\nnext"


def test_tags_are_deduplicated_and_sorted() -> None:
    assert note_projection("x", tags=["b", " a", "b", ""])["tags"] == ["a", "b"]


def test_the_hash_ignores_key_order_and_sees_every_value() -> None:
    first = {"text": "A", "done": False, "due": None}
    assert projection_hash(first) == projection_hash(dict(reversed(first.items())))
    assert projection_hash(first) != projection_hash({**first, "done": True})


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (Kind.TASK, {"done": False}, "task.text: missing"),
        (Kind.TASK, {"text": "A", "colour": "red"}, "unknown field"),
        (Kind.TASK, {"text": "A", "done": "yes"}, "task.done: expected true or false"),
        (Kind.TASK, {"text": 3}, "task.text: expected text"),
        (Kind.NOTE, {"text": "A", "visibility": "team"}, "note.visibility: 'team' is not one"),
        (Kind.NOTE, {"text": "A", "tags": "work"}, "note.tags: expected a list"),
    ],
)
def test_bad_fields_are_named(kind: Kind, fields: dict[str, object], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        normalise(kind, fields)


def test_match_key_folds_case_and_spacing_and_reads_the_due_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    noon = task_projection("Buy  Milk", False, "2025-03-01T11:00:00Z")
    plain = task_projection("buy milk", False, "2025-03-01")
    assert match_key(Kind.TASK, noon, berlin) == match_key(Kind.TASK, plain, berlin)
    assert match_key(Kind.TASK, noon, berlin) != match_key(
        Kind.TASK, task_projection("buy milk", False), berlin
    )
