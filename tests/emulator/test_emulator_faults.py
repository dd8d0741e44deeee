"""Fault switches over real HTTP: 5xx, dropped connections, latency (before handling or before
the answer), 429 storms, short pages; deterministic by seed, scoped by path, never touching the
admin routes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omisync.emulator import Bucket, EmulatorConfig, FaultConfig, RateLimitConfig, RunningEmulator

Factory = Callable[[EmulatorConfig], RunningEmulator]


def statuses(api: httpx.Client, count: int, path: str = "/user/memories") -> list[int]:
    return [api.get(path).status_code for _ in range(count)]


def test_fail_next_answers_plain_text_5xx_then_recovers(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.set_faults(fail_next=2, error_status=503)

    failed = [api.get("/user/memories") for _ in range(2)]
    recovered = api.get("/user/memories")

    assert [(r.status_code, r.text) for r in failed] == [(503, "Service Unavailable")] * 2
    assert failed[0].headers["content-type"].startswith("text/plain")
    assert recovered.status_code == 200
    assert omi_emulator.state.faults.snapshot()["fail_next"] == 0


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (
            {"error": {"message": "Invalid API key", "code": "invalid_api_key"}},
            "application/json",
            '{"error": {"message": "Invalid API key", "code": "invalid_api_key"}}',
        ),
        ({"detail": {"reason": "grant"}}, "application/json", '{"detail": {"reason": "grant"}}'),
        ("<html>Bad gateway</html>", "text/plain", "<html>Bad gateway</html>"),
    ],
)
def test_an_error_answer_has_the_chosen_status_and_body(
    omi_emulator: RunningEmulator, api: httpx.Client, body: object, content_type: str, text: str
) -> None:
    settings = omi_emulator.set_faults(fail_next=2, error_status=409, error_body=body)

    failed = [api.post("/user/memories", json={"content": "x"}) for _ in range(2)]
    recovered = api.post("/user/memories", json={"content": "x"})

    assert settings["error_body"] == body
    assert [(r.status_code, r.text) for r in failed] == [(409, text)] * 2
    assert failed[0].headers["content-type"].startswith(content_type)
    assert recovered.status_code == 200


def test_random_errors_repeat_exactly_for_the_same_seed(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    runs = []
    for seed in (7, 7, 8):
        omi_emulator.set_faults(seed=seed, error_rate=0.5)
        runs.append(statuses(api, 30))

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert set(runs[0]) == {200, 500}
    assert 5 <= runs[0].count(500) <= 25


def test_dropped_connection_gets_no_response_at_all(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.set_faults(drop_next=1)

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        api.get("/user/action-items")
    assert api.get("/user/action-items").status_code == 200
    logged = omi_emulator.stats()["requests"]
    assert [(r["path"], r["status"]) for r in logged] == [
        ("/v1/dev/user/action-items", 0),
        ("/v1/dev/user/action-items", 200),
    ]


def test_random_drops_follow_the_seed(omi_emulator: RunningEmulator) -> None:
    def outcomes() -> list[str]:
        results = []
        for _ in range(12):
            with httpx.Client(
                base_url=omi_emulator.base_url,
                headers={"Authorization": f"Bearer {omi_emulator.api_key}"},
            ) as client:
                try:
                    results.append(str(client.get("/user/folders").status_code))
                except httpx.RemoteProtocolError:
                    results.append("dropped")
        return results

    omi_emulator.set_faults(seed=3, drop_rate=0.4)
    first = outcomes()
    omi_emulator.set_faults(seed=3, drop_rate=0.4)
    second = outcomes()

    assert first == second
    assert set(first) == {"200", "dropped"}


def test_latency_for_the_next_request_only(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.set_faults(latency_ms=400, latency_next=1)

    with pytest.raises(httpx.ReadTimeout):
        api.get("/user/memories", timeout=0.1)
    assert api.get("/user/memories", timeout=0.3).status_code == 200


def test_answer_latency_stores_the_write_before_the_answer_goes_out(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.set_faults(answer_latency_ms=400, path_contains="/action-items")

    # The client gives up before the answer comes, as a client killed mid-request would ...
    with pytest.raises(httpx.ReadTimeout):
        api.post("/user/action-items", json={"description": "Stored, answer lost"}, timeout=0.1)

    # ... yet the write was stored: the answer, not the work, was held back.
    stored = [item["description"] for item in omi_emulator.records()["action_items"]]
    assert stored == ["Stored, answer lost"]
    assert omi_emulator.state.faults.snapshot()["answer_latency_ms"] == 400


def test_429_storm_with_retry_after(omi_emulator: RunningEmulator, api: httpx.Client) -> None:
    omi_emulator.set_faults(storm_429=2, retry_after=5)

    storm = [api.post("/user/action-items", json={"description": "x"}) for _ in range(2)]
    after = api.post("/user/action-items", json={"description": "x"})

    for response in storm:
        assert response.status_code == 429
        assert response.json() == {"detail": "Rate limit exceeded. Try again in 5s."}
        assert response.headers["retry-after"] == "5"
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert "x-ratelimit-limit" not in response.headers  # profile off: nothing limits it
    assert after.status_code == 200
    assert len(api.get("/user/action-items").json()) == 1


@pytest.mark.parametrize(
    ("limits", "path", "announced"),
    [
        (RateLimitConfig(profile="docs", limit_scale=0.3), "/user/memories", "30"),
        (
            RateLimitConfig(profile="backend", overrides={"dev:memories_read": Bucket(7, 60)}),
            "/user/memories",
            "7",
        ),
        (RateLimitConfig(profile="backend", limit_scale=2), "/user/conversations", "120"),
        (RateLimitConfig(profile="backend"), "/no/such/route", None),
    ],
)
def test_a_429_storm_announces_the_limit_of_the_profile_and_route(
    omi_emulator_factory: Factory, limits: RateLimitConfig, path: str, announced: str | None
) -> None:
    emulator = omi_emulator_factory(
        EmulatorConfig(rate_limits=limits, faults=FaultConfig(storm_429=1))
    )
    with httpx.Client(
        base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.api_key}"}
    ) as api:
        response = api.get(path)

    assert response.status_code == 429
    assert response.headers.get("x-ratelimit-limit") == announced


def test_short_pages_drop_rows_from_the_end_but_never_empty_a_page(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.seed(
        {
            "memories": [{"content": f"m{i}"} for i in range(5)],
            "action_items": [{"description": f"a{i}"} for i in range(5)],
        }
    )
    full = [m["id"] for m in api.get("/user/memories").json()]
    omi_emulator.set_faults(short_page_drop=2, path_contains="/memories")

    short = [m["id"] for m in api.get("/user/memories").json()]
    single = api.get("/user/memories", params={"limit": 1}).json()
    untouched = api.get("/user/action-items").json()

    assert short == full[:3]
    assert len(single) == 1
    assert len(untouched) == 5


def test_path_filter_keeps_other_routes_and_counters_untouched(
    omi_emulator: RunningEmulator, api: httpx.Client
) -> None:
    omi_emulator.set_faults(fail_next=1, path_contains="/conversations")

    assert statuses(api, 3, "/user/memories") == [200, 200, 200]
    assert statuses(api, 2, "/user/conversations") == [500, 200]


def test_admin_routes_are_never_faulted(omi_emulator: RunningEmulator) -> None:
    omi_emulator.set_faults(fail_next=10, drop_rate=1.0)

    assert omi_emulator.stats()["total"] == 0
    assert omi_emulator.set_faults()["fail_next"] == 0


def test_bad_fault_settings_are_refused_with_the_reason(omi_emulator: RunningEmulator) -> None:
    response = httpx.post(
        f"{omi_emulator.root_url}/_emulator/faults",
        json={"error_rate": 2},
        headers={"Authorization": f"Bearer {omi_emulator.admin_token}"},
    )

    assert response.status_code == 422
    assert "error_rate must be between 0 and 1" in response.json()["detail"]
    with pytest.raises(httpx.HTTPStatusError) as caught:
        omi_emulator.set_faults(fail_next=1, error_status=302)
    assert "must be a 4xx or 5xx code, got 302" in caught.value.response.json()["detail"]


def test_reset_restores_the_startup_faults(omi_emulator_factory: Factory) -> None:
    emulator = omi_emulator_factory(
        EmulatorConfig(rate_limits=RateLimitConfig(profile="off"), faults=FaultConfig(fail_next=1))
    )
    with httpx.Client(
        base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.api_key}"}
    ) as api:
        before = statuses(api, 2)
        emulator.reset()
        after = statuses(api, 2)

    assert before == after == [500, 200]
