"""Due dates through Omi in many time zones: a date-only due comes back as the same date, an
instant as the same instant, and what a write answers is what the next listing shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from omi_side_helpers import MakeClient, task

from omisync.omi_side import OmiSide
from omisync.sync.links import Kind
from omisync.sync.records import Due
from omisync.sync.side import Change, Written

ZONES = [
    "UTC",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Kathmandu",  # UTC+5:45
    "America/St_Johns",  # UTC-3:30, with summer time
    "Australia/Lord_Howe",  # a 30-minute summer-time shift
    "Europe/Lisbon",
]
# Summer-time changes, a leap day and the turn of the year.
DAYS = ["2025-03-09", "2025-03-30", "2025-10-05", "2025-10-26", "2024-02-29", "2025-12-31"]


def _has_noon(day: date, zone: ZoneInfo) -> bool:
    noon = datetime.combine(day, time(12), tzinfo=zone)
    return noon.astimezone(UTC).astimezone(zone).date() == day


def _held(outcomes: list[object]) -> list[dict[str, object]]:
    held = [o.held for o in outcomes if isinstance(o, Written) and o.held is not None]
    assert len(held) == len(outcomes), outcomes
    return held


@pytest.mark.parametrize("zone", ZONES)
def test_due_kinds_survive_omi_in_every_zone(make_client: MakeClient, zone: str) -> None:
    side = OmiSide(make_client(), timezone=zone)
    drafts = [task(f"on {day}", due=day) for day in DAYS] + [
        task("instant", due="2025-06-01T07:45:00Z"),
        task("floating", due="2025-06-01T09:30:00"),
    ]

    outcomes = side.create(Kind.TASK, drafts)
    held = _held(outcomes)

    assert [h["due"] for h in held[: len(DAYS)]] == DAYS
    assert held[len(DAYS)]["due"] == "2025-06-01T07:45:00Z"
    # A floating time is read as wall time in the zone; Omi keeps the instant.
    wall_time = datetime(2025, 6, 1, 9, 30, tzinfo=ZoneInfo(zone))
    assert held[-1]["due"] == Due.instant(wall_time).to_json()
    listed = side.snapshot(Kind.TASK).items
    ids = [o.item_id for o in outcomes if isinstance(o, Written)]
    assert [listed[item_id] for item_id in ids] == held

    # Writing back what Omi holds changes nothing: no drift on a second round.
    again = side.update(
        Kind.TASK, [Change(i, {"due": h["due"]}) for i, h in zip(ids, held, strict=True)]
    )
    assert _held(again) == held


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    zone=st.sampled_from(sorted(available_timezones())),
    days=st.lists(
        st.dates(min_value=date(1971, 1, 1), max_value=date(2099, 12, 31)),
        min_size=1,
        max_size=50,
    ),
)
def test_any_date_only_due_comes_back_as_the_same_date(
    make_client: MakeClient, zone: str, days: list[date]
) -> None:
    # A day a zone skipped entirely (Pacific/Apia, 2011-12-30) has no local noon to store.
    assume(all(_has_noon(day, ZoneInfo(zone)) for day in days))
    side = OmiSide(make_client(), timezone=zone)
    drafts = [task(f"day {n}", due=day.isoformat()) for n, day in enumerate(days)]

    held = _held(side.create(Kind.TASK, drafts))

    assert [h["due"] for h in held] == [day.isoformat() for day in days]
