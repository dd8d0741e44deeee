"""Authentication, scopes and key management over real HTTP (omi-api.md §1.1, §4, §7)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from emulator_helpers import dev_client

from omisync.emulator import READ_ONLY_SCOPES, EmulatorConfig, RunningEmulator, run_emulator
from omisync.emulator.app import create_app

MISSING = "Missing or invalid Authorization header. Must be 'Bearer API_KEY'"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Token abc"}, {"Authorization": "bearer x"}],
)
def test_missing_or_malformed_header_is_401_with_the_exact_message(
    omi_emulator: RunningEmulator, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{omi_emulator.base_url}/user/memories", headers=headers)

    assert (response.status_code, response.json()) == (401, {"detail": MISSING})


@pytest.mark.parametrize(
    "token",
    ["omi_mcp_" + "a" * 32, "omi_dev_" + "0" * 32, "not-a-key", "OMI_DEV_" + "a" * 32],
)
def test_unknown_or_foreign_keys_are_invalid(omi_emulator: RunningEmulator, token: str) -> None:
    with dev_client(omi_emulator, token) as client:
        response = client.get("/user/action-items")

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid API Key"})


def test_auth_is_checked_before_body_validation(omi_emulator: RunningEmulator) -> None:
    response = httpx.post(f"{omi_emulator.base_url}/user/memories", json={"content": ""})

    assert response.status_code == 401


def test_key_is_matched_by_sha256_of_its_secret(
    omi_emulator: RunningEmulator, firebase: httpx.Client
) -> None:
    raw = omi_emulator.create_key("probe", ["memories:read"])
    secret = raw.removeprefix("omi_dev_")

    listed = {k["name"]: k for k in firebase.get("/keys").json()}

    records = omi_emulator.state.store.keys.list_all()
    stored = next(r for r in records if r.name == "probe")
    assert stored.hashed_key == hashlib.sha256(secret.encode()).hexdigest()
    assert listed["probe"]["key_prefix"] == f"omi_dev_{secret[:4]}...{secret[-4:]}"
    assert "key" not in listed["probe"]
    assert raw not in firebase.get("/keys").text


def test_null_scopes_mean_read_only_and_scope_errors_name_the_scope(
    omi_emulator: RunningEmulator,
) -> None:
    raw = omi_emulator.create_key("reader", None)

    with dev_client(omi_emulator, raw) as reader:
        read = reader.get("/user/memories")
        write = reader.post("/user/memories", json={"content": "x"})
        own = reader.get("/key").json()

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json() == {"detail": "Insufficient permissions. Required scope: memories:write"}
    assert own["scopes"] == list(READ_ONLY_SCOPES)
    assert own["name"] == "reader"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/user/memories", "memories:read"),
        ("POST", "/user/memories/batch", "memories:write"),
        ("GET", "/user/action-items", "action_items:read"),
        ("PATCH", "/user/action-items/x", "action_items:write"),
        ("GET", "/user/conversations", "conversations:read"),
        ("GET", "/user/conversations/x", "conversations:read"),
        ("POST", "/user/conversations/from-segments", "conversations:write"),
        ("DELETE", "/user/conversations/x", "conversations:write"),
        ("GET", "/user/folders", "conversations:read"),
    ],
)
def test_each_route_requires_its_scope(
    omi_emulator: RunningEmulator, method: str, path: str, scope: str
) -> None:
    raw = omi_emulator.create_key("goals only", ["goals:read"])

    with dev_client(omi_emulator, raw) as client:
        response = client.request(method, path, json={})

    assert response.status_code == 403
    assert response.json() == {"detail": f"Insufficient permissions. Required scope: {scope}"}


def test_get_own_key_needs_no_data_scope(omi_emulator: RunningEmulator) -> None:
    raw = omi_emulator.create_key("nothing", [])

    with dev_client(omi_emulator, raw) as client:
        own = client.get("/key")
        data = client.get("/user/memories")

    assert own.status_code == 200
    assert own.json()["scopes"] == []
    assert own.json()["last_used_at"] is not None
    assert data.status_code == 403


def test_key_management_needs_the_firebase_bearer(omi_emulator: RunningEmulator) -> None:
    url = f"{omi_emulator.base_url}/keys"

    missing = httpx.get(url)
    dev_key = httpx.get(url, headers={"Authorization": f"Bearer {omi_emulator.api_key}"})
    malformed = httpx.get(url, headers={"Authorization": omi_emulator.admin_token})

    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Authorization header not found"},
    )
    assert dev_key.json() == malformed.json() == {"detail": "Invalid authorization token"}


def test_create_list_revoke_and_rotate_keys(
    omi_emulator: RunningEmulator, firebase: httpx.Client
) -> None:
    created = firebase.post("/keys", json={"name": " Sync daemon ", "scopes": ["memories:read"]})
    raw = created.json()["key"]
    key_id = created.json()["id"]
    firebase.post("/keys", json={"name": "newer"})

    names = [k["name"] for k in firebase.get("/keys").json()]
    with dev_client(omi_emulator, raw) as client:
        before = client.get("/user/memories").status_code
        rotated = firebase.post(f"/keys/{key_id}/rotate").json()
        after_rotation = client.get("/user/memories").status_code
    with dev_client(omi_emulator, rotated["key"]) as client:
        new_secret = client.get("/user/memories").status_code
        revoked = firebase.delete(f"/keys/{key_id}")
        after_revoke = client.get("/user/memories").status_code

    assert created.status_code == 200
    assert created.json()["name"] == "Sync daemon"
    assert raw.startswith("omi_dev_") and len(raw) == len("omi_dev_") + 32
    assert names[:2] == ["newer", "Sync daemon"]
    assert (before, after_rotation, new_secret, after_revoke) == (200, 401, 200, 401)
    assert (rotated["id"], rotated["scopes"]) == (key_id, ["memories:read"])
    assert (revoked.status_code, revoked.content) == (204, b"")
    assert firebase.delete("/keys/no-such-key").status_code == 204


def test_key_creation_errors(firebase: httpx.Client) -> None:
    blank = firebase.post("/keys", json={"name": "  "})
    bad_scope = firebase.post("/keys", json={"name": "x", "scopes": ["memories:read", "admin"]})
    secret_name = firebase.post("/keys", json={"name": "omi_dev_" + "1" * 32})

    assert (blank.status_code, blank.json()) == (422, {"detail": "Key name cannot be empty"})
    assert bad_scope.status_code == 400
    assert bad_scope.json()["detail"].startswith("Invalid scopes. Available: ['conversations:read'")
    assert secret_name.status_code == 422


def test_admin_routes_need_the_admin_token(omi_emulator: RunningEmulator) -> None:
    root = omi_emulator.root_url

    assert httpx.get(f"{root}/_emulator/health").json() == {"status": "ok"}
    for method, path in [("GET", "/stats"), ("POST", "/reset"), ("POST", "/faults")]:
        response = httpx.request(method, f"{root}/_emulator{path}", json={})
        assert response.status_code == 401
        with_dev_key = httpx.request(
            method,
            f"{root}/_emulator{path}",
            json={},
            headers={"Authorization": f"Bearer {omi_emulator.api_key}"},
        )
        assert with_dev_key.status_code == 401


def served_key(db: Path | None, api_key: str | None = None) -> str:
    """The startup key an app over ``db`` serves (``api_key`` as configured)."""
    state = create_app(EmulatorConfig(db_path=db, api_key=api_key)).state.emulator
    state.store.close()
    key: str = state.api_key
    return key


def test_a_database_serves_the_same_startup_key_on_every_start(tmp_path: Path) -> None:
    db = tmp_path / "omi.db"
    fixed = "omi_dev_" + "cd34" * 8
    first = served_key(db)
    again = served_key(db)
    given = served_key(db, fixed)
    remembered = served_key(db)
    with run_emulator(EmulatorConfig(db_path=db)) as emulator, dev_client(emulator) as api:
        status = api.get("/user/memories").status_code

    assert first == again != fixed
    assert given == remembered == emulator.api_key == fixed
    assert status == 200
    assert served_key(tmp_path / "other.db") != first
    assert served_key(None) != served_key(None)  # in memory: a fresh key each time


def test_secrets_stay_out_of_reprs(omi_emulator: RunningEmulator) -> None:
    for text in (repr(omi_emulator), repr(omi_emulator.config), repr(omi_emulator.state)):
        assert omi_emulator.api_key not in text
        assert omi_emulator.admin_token not in text
