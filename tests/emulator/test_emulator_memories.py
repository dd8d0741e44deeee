"""Memories over real HTTP: content-derived ids, ordering, hidden and locked rows, PATCH quirks,
batches and clamps (omi-api.md §1.2, §2, §3, §7)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from emulator_helpers import parse_instant

from omisync.emulator import RunningEmulator

BASE = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def expected_memory_id(content: str) -> str:
    digest = hashlib.sha256(content.strip().encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def list_ids(api: httpx.Client, **params: object) -> list[str]:
    response = api.get("/user/memories", params=params)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()]


def test_memory_id_derives_from_stripped_content_and_reposting_upserts(api: httpx.Client) -> None:
    first = api.post("/user/memories", json={"content": "  Likes green tea  ", "tags": ["a"]})
    second = api.post("/user/memories", json={"content": "Likes green tea", "tags": ["b"]})

    assert first.status_code == second.status_code == 200
    memory_id = first.json()["id"]
    assert memory_id == second.json()["id"] == expected_memory_id("Likes green tea")
    assert uuid.UUID(memory_id).version == 4
    listed = api.get("/user/memories").json()
    assert [(m["id"], m["content"], m["tags"]) for m in listed] == [
        (memory_id, "Likes green tea", ["b"])
    ]


def test_create_answer_hides_scoring_and_review_flags_that_the_list_shows(
    api: httpx.Client,
) -> None:
    created = api.post(
        "/user/memories", json={"content": "Octopuses have three hearts", "category": "interesting"}
    ).json()

    assert created["manually_added"] is True
    assert (created["scoring"], created["reviewed"], created["user_review"]) == (None, False, None)
    assert created["edited"] is False
    assert created["created_at"] == created["updated_at"]
    assert created["visibility"] == "private"
    listed = api.get("/user/memories").json()[0]
    timestamp = int(parse_instant(listed["created_at"]).timestamp())
    assert listed["scoring"] == f"01_998_{timestamp:010d}"
    assert (listed["reviewed"], listed["user_review"]) == (True, True)


def test_missing_category_is_filled_by_the_deterministic_categoriser(api: httpx.Client) -> None:
    about_user = api.post("/user/memories", json={"content": "I prefer window seats"}).json()
    fact = api.post("/user/memories", json={"content": "Octopuses have three hearts"}).json()

    assert about_user["category"] == "system"
    assert fact["category"] == "interesting"


def test_visibility_is_free_text_on_create_but_validated_on_patch(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Fact", "visibility": "friends"})
    assert created.status_code == 200

    patched = api.patch(f"/user/memories/{created.json()['id']}", json={"visibility": "friends"})
    assert patched.status_code == 422
    assert patched.json() == {"detail": "visibility must be 'public' or 'private'"}


def test_blank_and_oversized_content_are_rejected_with_the_backend_shapes(
    api: httpx.Client,
) -> None:
    blank = api.post("/user/memories", json={"content": "   "})
    too_long = api.post("/user/memories", json={"content": "x" * 501})

    assert (blank.status_code, blank.json()) == (422, {"detail": "content cannot be empty"})
    assert too_long.status_code == 422
    [error] = too_long.json()["detail"]
    assert (error["type"], error["loc"]) == ("string_too_long", ["body", "content"])


def test_list_orders_by_scoring_then_created_at(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    def seed(content: str, category: str, manual: bool, age_days: int) -> dict[str, object]:
        created = (BASE - timedelta(days=age_days)).isoformat()
        return {
            "content": content,
            "category": category,
            "manually_added": manual,
            "created_at": created,
        }

    omi_emulator.seed(
        {
            "memories": [
                seed("extracted system new", "system", False, 0),
                seed("manual interesting new", "interesting", True, 0),
                seed("manual system old", "system", True, 5),
                seed("manual system new", "system", True, 1),
                seed("manual habits older", "habits", True, 9),
                seed("extracted work", "work", False, 2),
            ]
        }
    )

    contents = [m["content"] for m in api.get("/user/memories").json()]

    assert contents == [
        "manual system new",
        "manual system old",
        "manual habits older",
        "manual interesting new",
        "extracted system new",
        "extracted work",
    ]


def test_rejected_and_invalidated_memories_are_hidden_and_not_counted_by_offset(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "memories": [
                {"content": "visible newest", "created_at": BASE.isoformat()},
                {
                    "content": "rejected by user",
                    "user_review": False,
                    "created_at": (BASE - timedelta(days=1)).isoformat(),
                },
                {
                    "content": "invalidated",
                    "invalid_at": BASE.isoformat(),
                    "created_at": (BASE - timedelta(days=2)).isoformat(),
                },
                {"content": "visible oldest", "created_at": (BASE - timedelta(days=3)).isoformat()},
            ]
        }
    )

    page = api.get("/user/memories", params={"limit": 1, "offset": 1}).json()

    assert [m["content"] for m in page] == ["visible oldest"]
    assert len(api.get("/user/memories").json()) == 2


def test_locked_memory_is_listed_truncated_and_refuses_changes(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    long_content = "A" * 69 + "BCDEFG and more"
    short_content = "Short locked memory"
    ids = omi_emulator.seed(
        {
            "memories": [
                {"content": long_content, "is_locked": True},
                {"content": short_content, "is_locked": True},
            ]
        }
    )["memories"]

    contents = {m["id"]: m["content"] for m in api.get("/user/memories").json()}
    assert contents[ids[0]] == long_content[:70] + "..."
    assert contents[ids[1]] == short_content
    for response in (
        api.patch(f"/user/memories/{ids[0]}", json={"tags": ["x"]}),
        api.delete(f"/user/memories/{ids[0]}"),
    ):
        assert response.status_code == 402
        assert response.json() == {"detail": "A paid plan is required to access this memory."}

    omi_emulator.lock("memory", ids[0], locked=False)
    assert api.delete(f"/user/memories/{ids[0]}").json() == {"success": True}


def test_patch_content_sets_edited_and_keeps_the_id(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Old text"}).json()
    listed_before = api.get("/user/memories").json()[0]

    patched = api.patch(f"/user/memories/{created['id']}", json={"content": "  New text "})

    body = patched.json()
    assert patched.status_code == 200
    assert (body["id"], body["content"], body["edited"]) == (created["id"], "New text", True)
    assert parse_instant(body["updated_at"]) > parse_instant(created["updated_at"])
    assert body["scoring"] == listed_before["scoring"]


def test_patch_visibility_alone_does_not_touch_updated_at_but_tags_do(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Some fact"}).json()

    public = api.patch(f"/user/memories/{created['id']}", json={"visibility": "public"}).json()
    tagged = api.patch(f"/user/memories/{created['id']}", json={"tags": ["t"]}).json()

    assert public["visibility"] == "public"
    assert public["updated_at"] == created["updated_at"]
    assert parse_instant(tagged["updated_at"]) > parse_instant(created["updated_at"])
    assert tagged["edited"] is False


def test_patch_category_does_not_recompute_scoring(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Fact", "category": "system"}).json()
    scoring = api.get("/user/memories").json()[0]["scoring"]

    patched = api.patch(f"/user/memories/{created['id']}", json={"category": "interesting"})

    assert patched.json()["category"] == "interesting"
    assert patched.json()["scoring"] == scoring


def test_patch_with_no_field_is_422_before_the_404(api: httpx.Client) -> None:
    empty = api.patch("/user/memories/unknown-id", json={"content": None, "tags": None})
    unknown = api.patch("/user/memories/unknown-id", json={"tags": []})

    assert empty.status_code == 422
    assert empty.json() == {
        "detail": "At least one field (content, visibility, tags, or category) must be provided"
    }
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Memory not found"})


def test_delete_is_hard_and_then_404(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Temporary"}).json()

    assert api.delete(f"/user/memories/{created['id']}").json() == {"success": True}
    again = api.delete(f"/user/memories/{created['id']}")
    assert (again.status_code, again.json()) == (404, {"detail": "Memory not found"})
    assert api.get("/user/memories").json() == []


def test_there_is_no_get_by_id(api: httpx.Client) -> None:
    created = api.post("/user/memories", json={"content": "Fact"}).json()

    response = api.get(f"/user/memories/{created['id']}")

    assert (response.status_code, response.json()) == (405, {"detail": "Method Not Allowed"})


def test_limit_and_offset_are_clamped_silently(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed({"memories": [{"content": f"memory {i}"} for i in range(1001)]})

    assert len(list_ids(api)) == 25
    assert len(list_ids(api, limit=0)) == 1
    assert len(list_ids(api, limit=5000)) == 1000
    assert list_ids(api, limit=3, offset=-7) == list_ids(api, limit=3, offset=0)


def test_categories_filter_and_unknown_category(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "memories": [
                {"content": "a", "category": "system"},
                {"content": "b", "category": "work"},
                {"content": "c", "category": "interesting"},
            ]
        }
    )

    picked = api.get("/user/memories", params={"categories": "work, system"}).json()
    bad = api.get("/user/memories", params={"categories": "system,personal"})

    assert sorted(m["content"] for m in picked) == ["a", "b"]
    assert bad.status_code == 400
    assert bad.json() == {"detail": "Invalid category 'personal' is not a valid MemoryCategory"}


def test_batch_creates_up_to_25_and_is_all_or_nothing(api: httpx.Client) -> None:
    ok = api.post(
        "/user/memories/batch", json={"memories": [{"content": f"m{i}"} for i in range(25)]}
    )
    too_many = api.post(
        "/user/memories/batch", json={"memories": [{"content": f"n{i}"} for i in range(26)]}
    )
    one_blank = api.post(
        "/user/memories/batch", json={"memories": [{"content": "fine"}, {"content": "  "}]}
    )
    empty = api.post("/user/memories/batch", json={"memories": []})

    assert ok.status_code == 200
    assert ok.json()["created_count"] == 25
    assert [m["content"] for m in ok.json()["memories"]] == [f"m{i}" for i in range(25)]
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["type"] == "too_long"
    assert too_many.json()["detail"][0]["loc"] == ["body", "memories"]
    assert one_blank.status_code == 422
    assert one_blank.json() == {"detail": "All memories must have non-empty content"}
    assert empty.json() == {"memories": [], "created_count": 0}
    stored = {m["content"] for m in api.get("/user/memories", params={"limit": 100}).json()}
    assert "fine" not in stored
    assert len(stored) == 25
