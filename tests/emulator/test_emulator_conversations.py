"""Conversations over real HTTP: the inline pipeline, listing rules, by-id reads, from-segments
validation and idempotency, PATCH, soft delete, folders (omi-api.md §1.4, §1.5, §2, §7)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from emulator_helpers import parse_instant

from omisync.emulator import RunningEmulator

BASE = datetime(2026, 4, 6, 15, 0, tzinfo=UTC)  # a Monday
MEETING = (
    "We reviewed the launch plan with the client team. "
    "I need to send the revised budget to Marta tomorrow. "
    "Remind me to book the meeting room. "
    "I prefer morning meetings with the design team."
)


def segments(*texts: str) -> list[dict[str, Any]]:
    return [
        {"text": text, "start": 2.0 * i, "end": 2.0 * i + 1.5, "speaker": f"SPEAKER_0{i % 2}"}
        for i, text in enumerate(texts)
    ]


def listed_ids(api: httpx.Client, **params: object) -> list[str]:
    response = api.get("/user/conversations", params=params)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


def test_text_conversation_runs_the_pipeline_inline(api: httpx.Client) -> None:
    created = api.post(
        "/user/conversations", json={"text": MEETING, "started_at": BASE.isoformat()}
    )

    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"id", "status", "discarded"}
    assert (body["status"], body["discarded"]) == ("completed", False)
    conversation = api.get(f"/user/conversations/{body['id']}").json()
    assert conversation["source"] == "external_integration"
    assert parse_instant(conversation["finished_at"]) - parse_instant(
        conversation["started_at"]
    ) == timedelta(seconds=300)
    structured = conversation["structured"]
    assert structured["title"] == "We reviewed the launch plan with the client"
    assert structured["category"] == "work"
    assert structured["emoji"] == "💼"
    assert conversation["transcript_segments"] is None
    assert "status" not in conversation and "discarded" not in conversation
    items = api.get("/user/action-items", params={"conversation_id": body["id"]}).json()
    assert sorted(i["description"] for i in items) == [
        "Book the meeting room",
        "Send the revised budget to Marta tomorrow",
    ]
    dated = next(i for i in items if i["description"].startswith("Send"))
    assert parse_instant(dated["due_at"]) == datetime(2026, 4, 7, 17, 0, tzinfo=UTC)
    assert [a["conversation_id"] for a in structured["action_items"]] == [body["id"]] * 2
    memories = api.get("/user/memories").json()
    assert [(m["content"], m["manually_added"], m["category"]) for m in memories] == [
        ("I prefer morning meetings with the design team.", False, "system")
    ]


def test_repeated_action_items_within_two_days_are_not_created_again(api: httpx.Client) -> None:
    first = api.post("/user/conversations", json={"text": MEETING}).json()
    second = api.post("/user/conversations", json={"text": MEETING}).json()

    assert first["id"] != second["id"]
    assert len(api.get("/user/action-items").json()) == 2
    again = api.get(f"/user/conversations/{second['id']}").json()
    assert again["structured"]["action_items"] == []


def test_empty_chatter_is_discarded_never_listed_but_readable_by_id(api: httpx.Client) -> None:
    created = api.post("/user/conversations", json={"text": "ok thanks, bye"}).json()

    assert created["discarded"] is True
    assert listed_ids(api) == []
    assert api.get(f"/user/conversations/{created['id']}").status_code == 200
    assert api.get("/user/action-items").json() == []


def test_text_create_validation(api: httpx.Client) -> None:
    blank = api.post("/user/conversations", json={"text": "   "})
    huge = api.post("/user/conversations", json={"text": "a" * 100_001})
    backwards = api.post(
        "/user/conversations",
        json={
            "text": MEETING,
            "started_at": BASE.isoformat(),
            "finished_at": (BASE - timedelta(seconds=1)).isoformat(),
        },
    )
    bad_source = api.post("/user/conversations", json={"text": MEETING, "text_source": "email"})

    assert (blank.status_code, blank.json()) == (422, {"detail": "text cannot be empty"})
    assert huge.json()["detail"][0]["type"] == "string_too_long"
    assert backwards.json() == {"detail": "finished_at must be after started_at"}
    assert bad_source.json()["detail"][0]["loc"] == ["body", "text_source"]


def test_list_shows_only_completed_undiscarded_visible_rows_newest_first(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    def conv(title: str, age: int, **extra: object) -> dict[str, object]:
        return {"title": title, "created_at": (BASE - timedelta(days=age)).isoformat(), **extra}

    ids = omi_emulator.seed(
        {
            "conversations": [
                conv("older", 3),
                conv("newest", 0),
                conv("processing", 1, status="processing"),
                conv("discarded", 1, discarded=True),
                conv("deleted", 1, deleted=True),
                conv("locked", 1, is_locked=True),
                conv("middle", 2),
            ]
        }
    )["conversations"]

    listed = api.get("/user/conversations").json()
    assert [c["structured"]["title"] for c in listed] == ["newest", "middle", "older"]
    assert (
        api.get("/user/conversations", params={"offset": 1, "limit": 1}).json()[0]["structured"][
            "title"
        ]
        == "middle"
    )
    by_title = dict(zip(["o", "n", "p", "di", "de", "l", "m"], ids, strict=True))
    assert api.get(f"/user/conversations/{by_title['p']}").status_code == 200
    assert api.get(f"/user/conversations/{by_title['di']}").status_code == 200
    for hidden in (by_title["de"], by_title["l"]):
        response = api.get(f"/user/conversations/{hidden}")
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "Conversation not found"},
        )


def test_list_filters(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    [folder] = omi_emulator.seed({"folders": [{"name": "Work"}]})["folders"]
    ids = omi_emulator.seed(
        {
            "conversations": [
                {"category": "work", "created_at": BASE.isoformat(), "folder_id": folder},
                {
                    "category": "health",
                    "created_at": (BASE - timedelta(days=1)).isoformat(),
                    "starred": True,
                },
                {"category": "travel", "created_at": (BASE - timedelta(days=2)).isoformat()},
            ]
        }
    )["conversations"]

    assert listed_ids(api, categories="health,travel") == ids[1:]
    assert listed_ids(api, start_date=(BASE - timedelta(days=1)).isoformat()) == ids[:2]
    assert listed_ids(api, end_date=(BASE - timedelta(days=1)).isoformat()) == ids[1:]
    assert listed_ids(api, folder_id=folder) == ids[:1]
    assert listed_ids(api, starred="true") == ids[1:2]
    bad = api.get("/user/conversations", params={"categories": "work,meetings"})
    assert bad.status_code == 400
    assert bad.json() == {"detail": "Invalid category 'meetings' is not a valid CategoryEnum"}
    assert api.get("/user/conversations", params={"folder_id": ""}).status_code == 422
    [in_folder] = api.get("/user/conversations", params={"folder_id": folder}).json()
    assert in_folder["folder_name"] == "Work"


def test_page_size_is_clamped_to_100_or_25_with_transcripts(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed({"conversations": [{"title": f"c{i}"} for i in range(101)]})

    assert len(listed_ids(api)) == 25
    assert len(listed_ids(api, limit=1000)) == 100
    assert len(listed_ids(api, limit=100, include_transcript="true")) == 25
    assert len(listed_ids(api, limit=0)) == 1


def test_transcripts_carry_speaker_names(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    created = api.post(
        "/user/conversations/from-segments",
        json={
            "transcript_segments": [
                {"text": "Hi there, how was the trip?", "start": 0, "end": 2, "is_user": True},
                {
                    "text": "Great, the hotel was lovely.",
                    "start": 2,
                    "end": 4,
                    "speaker": "SPEAKER_03",
                },
            ]
        },
    ).json()

    full = api.get(
        f"/user/conversations/{created['id']}", params={"include_transcript": "true"}
    ).json()

    segs = full["transcript_segments"]
    assert [(s["speaker_id"], s["speaker_name"]) for s in segs] == [(0, "User"), (3, "Speaker 3")]
    assert all(uuid.UUID(s["id"]) for s in segs)
    assert full["source"] == "phone"
    assert parse_instant(full["finished_at"]) - parse_instant(full["started_at"]) == timedelta(
        seconds=4
    )


def test_from_segments_validation_messages(api: httpx.Client) -> None:
    def post(segs: list[dict[str, Any]], **extra: object) -> httpx.Response:
        return api.post(
            "/user/conversations/from-segments", json={"transcript_segments": segs, **extra}
        )

    ok = {"text": "fine words here", "start": 0, "end": 1}
    cases = [
        (
            post([ok, {"text": "x", "start": 3, "end": 3}]),
            "Segment 1: end time must be after start time",
        ),
        (post([{"text": "x", "start": -2, "end": 1}]), "Segment 0: start time cannot be negative"),
        (post([ok, ok, {"text": " ", "start": 0, "end": 1}]), "Segment 2: text cannot be empty"),
        (
            post([ok], started_at=BASE.isoformat(), finished_at=BASE.isoformat()),
            "finished_at must be after started_at",
        ),
    ]
    for response, detail in cases:
        assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert post([]).json()["detail"][0]["type"] == "too_short"
    assert post([ok] * 501).json()["detail"][0]["type"] == "too_long"
    assert post([ok], source="walkie_talkie").status_code == 422


def test_client_session_id_makes_from_segments_idempotent(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    body = {
        "transcript_segments": segments("We should plan the team offsite in spring."),
        "client_session_id": "session-42",
    }
    expected = str(
        uuid.uuid5(
            uuid.UUID("fb2f1f36-3c84-47a4-9c62-b3f6fdb3fd13"),
            omi_emulator.config.user_id + "\0" + "session-42",
        )
    )

    first = api.post("/user/conversations/from-segments", json=body).json()
    retry = api.post("/user/conversations/from-segments", json=body).json()
    alias = {**body, "client_conversation_id": "session-42"}
    del alias["client_session_id"]
    aliased = api.post("/user/conversations/from-segments", json=alias).json()

    assert first == retry == aliased == {"id": expected, "status": "completed", "discarded": False}
    assert len(listed_ids(api)) == 1
    assert len(api.get("/user/action-items").json()) == 1
    api.delete(f"/user/conversations/{expected}")
    after_delete = api.post("/user/conversations/from-segments", json=body).json()
    assert after_delete == {"id": expected, "status": "deleted", "discarded": True}
    without_session = api.post(
        "/user/conversations/from-segments",
        json={"transcript_segments": body["transcript_segments"]},
    ).json()
    assert without_session["id"] != expected


def test_patch_sets_a_title_override_and_toggles_discarded(api: httpx.Client) -> None:
    created = api.post("/user/conversations", json={"text": MEETING}).json()
    path = f"/user/conversations/{created['id']}"

    renamed = api.patch(path, json={"title": "  Launch sync  "})
    hidden = api.patch(path, json={"discarded": True})
    listed_while_hidden = listed_ids(api)
    restored = api.patch(path, json={"discarded": False})

    assert renamed.status_code == 200
    assert renamed.json()["structured"]["title"] == "Launch sync"
    assert "status" not in renamed.json() and "discarded" not in renamed.json()
    assert renamed.json()["transcript_segments"] is None
    assert hidden.status_code == 200
    assert listed_while_hidden == []
    assert restored.status_code == 200
    assert listed_ids(api) == [created["id"]]
    assert api.get(path).json()["structured"]["title"] == "Launch sync"


def test_patch_and_delete_errors(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    [locked] = omi_emulator.seed({"conversations": [{"is_locked": True}]})["conversations"]
    created = api.post("/user/conversations", json={"text": MEETING}).json()

    empty = api.patch(f"/user/conversations/{created['id']}", json={})
    missing = api.patch("/user/conversations/nope", json={"title": "x"})
    locked_patch = api.patch(f"/user/conversations/{locked}", json={"title": "x"})
    locked_delete = api.delete(f"/user/conversations/{locked}")

    assert empty.json() == {"detail": "At least one field (title or discarded) must be provided"}
    assert (missing.status_code, missing.json()) == (404, {"detail": "Conversation not found"})
    assert locked_patch.status_code == locked_delete.status_code == 402
    assert locked_delete.json() == {
        "detail": "A paid plan is required to access this conversation."
    }


def test_delete_hides_the_conversation_everywhere(api: httpx.Client) -> None:
    created = api.post("/user/conversations", json={"text": MEETING}).json()
    path = f"/user/conversations/{created['id']}"

    assert api.delete(path).json() == {"success": True}
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404
    assert api.patch(path, json={"title": "x"}).status_code == 404
    assert listed_ids(api) == []


def test_folders_list_with_live_counts(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    assert api.get("/user/folders").json() == []
    folders = omi_emulator.seed(
        {"folders": [{"name": "Personal", "position": 1}, {"name": "Work", "position": 0}]}
    )["folders"]
    omi_emulator.seed(
        {
            "conversations": [
                {"folder_id": folders[1]},
                {"folder_id": folders[1]},
                {"folder_id": folders[1], "deleted": True},
            ]
        }
    )

    listed = api.get("/user/folders").json()

    assert [(f["name"], f["order"], f["conversation_count"]) for f in listed] == [
        ("Work", 0, 2),
        ("Personal", 1, 0),
    ]
