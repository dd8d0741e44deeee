"""Action items over real HTTP: order, short pages from locked rows, non-idempotent creates,
PATCH quirks, filters, batches and clamps (omi-api.md §1.3, §2, §7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from emulator_helpers import parse_instant

from omisync.emulator import RunningEmulator

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(days: float) -> str:
    return (BASE + timedelta(days=days)).isoformat()


def descriptions(api: httpx.Client, **params: object) -> list[str]:
    response = api.get("/user/action-items", params=params)
    assert response.status_code == 200, response.text
    return [item["description"] for item in response.json()]


def test_order_is_active_first_then_due_ascending_then_newest(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "action_items": [
                {"description": "done, due soon", "completed": True, "due_at": at(1)},
                {"description": "undated old", "created_at": at(-5)},
                {"description": "due late", "due_at": at(9), "created_at": at(-9)},
                {"description": "undated new", "created_at": at(-1)},
                {"description": "due soon, older", "due_at": at(2), "created_at": at(-3)},
                {"description": "due soon, newer", "due_at": at(2), "created_at": at(-2)},
                {"description": "done, undated", "completed": True},
            ]
        }
    )

    assert descriptions(api) == [
        "due soon, newer",
        "due soon, older",
        "due late",
        "undated new",
        "undated old",
        "done, due soon",
        "done, undated",
    ]
    assert descriptions(api, limit=2, offset=3) == ["undated new", "undated old"]


def test_locked_items_are_dropped_after_the_page_is_cut(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "action_items": [
                {"description": f"item {i}", "created_at": at(-i), "is_locked": i in (1, 2)}
                for i in range(6)
            ]
        }
    )

    first = descriptions(api, limit=3, offset=0)
    second = descriptions(api, limit=3, offset=3)
    beyond = descriptions(api, limit=3, offset=6)

    assert first == ["item 0"]
    assert second == ["item 3", "item 4", "item 5"]
    assert beyond == []


def test_create_is_not_idempotent_and_never_links_a_conversation(api: httpx.Client) -> None:
    body = {"description": " Call the bank ", "completed": False}

    first = api.post("/user/action-items", json=body).json()
    second = api.post("/user/action-items", json=body).json()

    assert first["id"] != second["id"]
    assert first["description"] == "Call the bank"
    assert first["conversation_id"] is None
    assert (first["completed_at"], first["due_at"]) == (None, None)
    assert first["created_at"] == first["updated_at"]
    assert descriptions(api) == ["Call the bank", "Call the bank"]


def test_create_completed_sets_completed_at_and_naive_due_is_utc(api: httpx.Client) -> None:
    item = api.post(
        "/user/action-items",
        json={"description": "Paid", "completed": True, "due_at": "2026-03-04T10:30:00"},
    ).json()

    assert item["completed"] is True
    assert item["completed_at"] is not None
    assert parse_instant(item["due_at"]) == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def test_due_with_offset_is_stored_as_the_same_instant_in_utc(api: httpx.Client) -> None:
    item = api.post(
        "/user/action-items", json={"description": "Call", "due_at": "2026-03-04T10:30:00+02:00"}
    ).json()

    due = parse_instant(item["due_at"])
    assert due == datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_blank_description_is_rejected_and_oversized_is_a_pydantic_error(
    api: httpx.Client,
) -> None:
    blank = api.post("/user/action-items", json={"description": " \n "})
    too_long = api.post("/user/action-items", json={"description": "y" * 501})

    assert (blank.status_code, blank.json()) == (422, {"detail": "description cannot be empty"})
    assert too_long.json()["detail"][0]["loc"] == ["body", "description"]


def test_patch_completed_sets_and_clears_completed_at(api: httpx.Client) -> None:
    item = api.post("/user/action-items", json={"description": "Task"}).json()

    done = api.patch(f"/user/action-items/{item['id']}", json={"completed": True}).json()
    undone = api.patch(f"/user/action-items/{item['id']}", json={"completed": False}).json()

    assert done["completed"] is True
    assert done["completed_at"] is not None
    assert (undone["completed"], undone["completed_at"]) == (False, None)
    assert parse_instant(undone["updated_at"]) > parse_instant(done["updated_at"])


def test_patch_due_at_null_is_ignored(api: httpx.Client) -> None:
    item = api.post(
        "/user/action-items", json={"description": "Task", "due_at": "2026-05-01T12:00:00Z"}
    ).json()

    patched = api.patch(
        f"/user/action-items/{item['id']}", json={"description": "Task v2", "due_at": None}
    ).json()
    only_null = api.patch(f"/user/action-items/{item['id']}", json={"due_at": None})

    assert patched["description"] == "Task v2"
    assert patched["due_at"] == item["due_at"]
    assert only_null.status_code == 422
    assert only_null.json() == {"detail": "At least one field must be provided"}


def test_patch_and_delete_errors(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    [locked] = omi_emulator.seed({"action_items": [{"description": "x", "is_locked": True}]})[
        "action_items"
    ]

    missing = api.patch("/user/action-items/nope", json={"completed": True})
    locked_patch = api.patch(f"/user/action-items/{locked}", json={"completed": True})
    locked_delete = api.delete(f"/user/action-items/{locked}")

    assert (missing.status_code, missing.json()) == (404, {"detail": "Action item not found"})
    assert locked_patch.status_code == locked_delete.status_code == 402
    assert locked_patch.json() == {"detail": "A paid plan is required to access this action item."}
    assert api.get(f"/user/action-items/{locked}").status_code == 405


def test_delete_is_hard(api: httpx.Client) -> None:
    item = api.post("/user/action-items", json={"description": "Gone soon"}).json()

    assert api.delete(f"/user/action-items/{item['id']}").json() == {"success": True}
    assert api.delete(f"/user/action-items/{item['id']}").status_code == 404
    assert descriptions(api) == []


def test_filters_on_conversation_completion_and_created_at(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "action_items": [
                {"description": "standalone", "created_at": at(0)},
                {"description": "from conv", "conversation_id": "conv-1", "created_at": at(1)},
                {"description": "finished", "completed": True, "created_at": at(2)},
            ]
        }
    )

    assert descriptions(api, conversation_id="conv-1") == ["from conv"]
    assert descriptions(api, conversation_id="null") == []
    assert descriptions(api, completed="true") == ["finished"]
    assert descriptions(api, start_date=at(1), end_date=at(2)) == ["from conv", "finished"]
    assert descriptions(api, end_date=at(0)) == ["standalone"]


def test_batch_keeps_input_order_caps_at_50_and_is_all_or_nothing(api: httpx.Client) -> None:
    items = [{"description": f"task {i}"} for i in range(50)]

    ok = api.post("/user/action-items/batch", json={"action_items": items})
    too_many = api.post("/user/action-items/batch", json={"action_items": [*items, items[0]]})
    one_blank = api.post(
        "/user/action-items/batch",
        json={"action_items": [{"description": "kept?"}, {"description": ""}]},
    )
    whitespace = api.post(
        "/user/action-items/batch",
        json={"action_items": [{"description": "kept?"}, {"description": "  "}]},
    )

    assert ok.json()["created_count"] == 50
    assert [i["description"] for i in ok.json()["action_items"]] == [f"task {i}" for i in range(50)]
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["body", "action_items"]
    assert one_blank.status_code == 422
    assert one_blank.json()["detail"][0]["loc"] == ["body", "action_items", 1, "description"]
    assert whitespace.json() == {"detail": "All action items must have non-empty descriptions"}
    assert "kept?" not in descriptions(api, limit=1000)


def test_limit_clamps_and_default(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    omi_emulator.seed({"action_items": [{"description": f"t{i}"} for i in range(1001)]})

    assert len(descriptions(api)) == 100
    assert len(descriptions(api, limit=-3)) == 1
    assert len(descriptions(api, limit=100_000)) == 1000
    assert descriptions(api, limit=2, offset=-1) == descriptions(api, limit=2)
