"""The sample account (``--sample-data`` / ``omisync demo``) is the realistic small account the
demo promises, and every timestamp the emulator answers is an instant with a UTC offset."""

from __future__ import annotations

from datetime import timedelta

import httpx
from emulator_helpers import parse_instant

from omisync.emulator import RunningEmulator


def test_sample_account_has_the_promised_shape(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.reset(sample_data=True)
    records = omi_emulator.records()

    memories = api.get("/user/memories", params={"limit": 1000}).json()
    items = api.get("/user/action-items", params={"limit": 1000}).json()
    conversations = api.get("/user/conversations", params={"include_transcript": "true"}).json()

    assert len([m for m in memories if m["manually_added"]]) >= 10
    assert len({m["category"] for m in memories}) >= 4
    assert any(not m["manually_added"] for m in memories)
    assert sum(m["is_locked"] for m in records["memories"]) == 1
    assert any(m["content"].endswith("...") for m in memories)
    assert len(items) >= 12
    assert any(i["due_at"] for i in items) and any(not i["due_at"] for i in items)
    assert any(i["completed"] for i in items)
    assert any(i["conversation_id"] for i in items)
    assert [i["is_locked"] for i in records["action_items"]].count(True) == 1
    assert len(items) == len(records["action_items"]) - 1
    assert len(conversations) == 3
    assert all(c["transcript_segments"] for c in conversations)
    assert len(api.get("/user/folders").json()) == 2


def test_reset_without_sample_data_leaves_an_empty_account_but_keeps_keys(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.reset(sample_data=True)
    omi_emulator.reset()

    assert api.get("/user/memories").json() == []
    assert api.get("/user/action-items").json() == []
    assert api.get("/user/conversations").json() == []
    assert api.get("/key").status_code == 200


def test_every_answer_timestamp_carries_a_utc_offset(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.reset(sample_data=True)
    naive = api.post(
        "/user/conversations",
        json={"text": "I need to pack for the trip.", "started_at": "2026-05-01T08:00:00"},
    ).json()

    answers = [
        *api.get("/user/memories").json(),
        *api.get("/user/action-items").json(),
        *api.get("/user/conversations").json(),
    ]
    stamps = [
        value
        for answer in answers
        for key, value in answer.items()
        if key.endswith("_at") and value is not None
    ]
    started = api.get(f"/user/conversations/{naive['id']}").json()["started_at"]

    assert stamps
    assert all(parse_instant(s).utcoffset() == timedelta(0) for s in stamps)
    assert parse_instant(started).isoformat() == "2026-05-01T08:00:00+00:00"
