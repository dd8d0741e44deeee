"""The client against the emulator's injected faults: error answers of each shape and status
(the exception type and the message a user reads), retries after 5xx, timeouts, dropped
connections and 429s."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from omisync.emulator import RunningEmulator
from omisync.omi import (
    AuthError,
    ConflictError,
    ForbiddenError,
    NewSegment,
    OmiClient,
    OmiError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedStatusError,
    ValidationError,
)
from omisync.ratelimit import RateLimiter
from omisync.ratelimit.testing import ManualClock

NO_RETRY = RetryPolicy(max_attempts=1)


def statuses(emu: RunningEmulator, suffix: str) -> list[int]:
    return [int(r["status"]) for r in emu.stats()["requests"] if str(r["path"]).endswith(suffix)]


def stored_action_items(emu: RunningEmulator) -> list[dict[str, Any]]:
    return emu.records()["action_items"]


def eventually(condition: Any, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


SEGMENTS = [NewSegment("We should book the venue.", 0.0, 2.0)]
GRANT_DENIED = {
    "enabled": False,
    "reason": "memory_grant_denied",
    "consumer": "developer_api",
    "archive_default_visible": False,
}
SETTINGS_HINT = "Check omi.api_key / OMI_API_KEY; create a key in the Omi app under Settings"


@pytest.mark.parametrize(
    ("status", "body", "call", "cls", "message"),
    [
        pytest.param(
            401,
            {"error": {"message": "Invalid API key", "code": "invalid_api_key"}},
            lambda omi: omi.key_info(),
            AuthError,
            "GET /v1/dev/key: Omi did not accept the API key (HTTP 401): Invalid API key. "
            f"{SETTINGS_HINT} > Developer",
            id="doc-envelope-401",
        ),
        pytest.param(
            400,
            {"error": {"message": "Unknown category 'hobby'", "code": "invalid_category"}},
            lambda omi: omi.memories.create("Likes chess", category="hobby"),
            ValidationError,
            "POST /v1/dev/user/memories: Omi rejected the request (HTTP 400): "
            "Unknown category 'hobby'",
            id="doc-envelope-400",
        ),
        pytest.param(
            409,
            {"detail": "Conversation creation already in progress"},
            lambda omi: omi.conversations.create_from_segments(SEGMENTS),
            ConflictError,
            "POST /v1/dev/user/conversations/from-segments: Omi reported a conflict (HTTP 409): "
            "Conversation creation already in progress",
            id="409",
        ),
        pytest.param(
            503,
            {"detail": "Rate limiter unavailable"},
            lambda omi: omi.memories.scan(),
            ServerError,
            "GET /v1/dev/user/memories: Omi had a server error (HTTP 503): "
            "Rate limiter unavailable",
            id="503-detail",
        ),
        pytest.param(
            403,
            {"detail": GRANT_DENIED},
            lambda omi: omi.memories.scan(),
            ForbiddenError,
            "GET /v1/dev/user/memories: Omi refused access (HTTP 403): memory_grant_denied",
            id="403-object-detail",
        ),
        pytest.param(
            405,
            {"detail": "Method Not Allowed"},
            lambda omi: omi.action_items.update("a1", completed=True),
            UnexpectedStatusError,
            "PATCH /v1/dev/user/action-items/a1: Omi answered with an unexpected status "
            "(HTTP 405): Method Not Allowed",
            id="405",
        ),
        pytest.param(
            502,
            "<html>Bad gateway</html>",
            lambda omi: omi.action_items.scan(),
            ServerError,
            "GET /v1/dev/user/action-items: Omi had a server error (HTTP 502): "
            "<html>Bad gateway</html>",
            id="502-text",
        ),
    ],
)
def test_each_error_answer_raises_its_exception_with_the_servers_message(
    omi: OmiClient,
    emu: RunningEmulator,
    status: int,
    body: object,
    call: Callable[[OmiClient], object],
    cls: type[OmiError],
    message: str,
) -> None:
    emu.set_faults(fail_next=3, error_status=status, error_body=body)  # outlasts the retries
    with pytest.raises(cls) as caught:
        call(omi)
    error = caught.value
    assert type(error) is cls and error.status_code == status
    assert str(error) == message
    if isinstance(body, dict) and "error" in body:
        assert error.code == body["error"]["code"]
    if isinstance(error, ForbiddenError):
        assert error.detail_object == GRANT_DENIED


def test_a_409_on_an_idempotent_from_segments_create_is_retried(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.set_faults(fail_next=1, error_status=409, error_body={"detail": "already in progress"})
    created = omi.conversations.create_from_segments(SEGMENTS, client_session_id="s-1")
    again = omi.conversations.create_from_segments(SEGMENTS, client_session_id="s-1")
    assert created.id == again.id
    assert statuses(emu, "/from-segments") == [409, 200, 200]


def test_reads_are_retried_after_5xx(
    omi: OmiClient, emu: RunningEmulator, retry_sleeps: Any
) -> None:
    emu.set_faults(fail_next=2)
    assert omi.action_items.scan().complete
    assert statuses(emu, "/user/action-items") == [500, 500, 200, 200]
    assert len(retry_sleeps.seconds) == 2


def test_attempts_run_out_on_a_failing_server(omi: OmiClient, emu: RunningEmulator) -> None:
    emu.set_faults(error_rate=1.0, error_status=503)
    with pytest.raises(
        ServerError, match=r"GET /v1/dev/user/memories: Omi had a server error \(HTTP 503\)"
    ):
        omi.memories.scan()
    assert len(statuses(emu, "/user/memories")) == 3


def test_an_action_item_create_is_not_retried_after_a_5xx(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.set_faults(fail_next=1)
    with pytest.raises(ServerError):
        omi.action_items.create("Pay rent")
    assert statuses(emu, "/user/action-items") == [500]
    emu.set_faults(fail_next=1)
    omi.memories.create("A memory create is idempotent, so it is retried")
    assert statuses(emu, "/user/memories") == [500, 200]


def test_a_timed_out_read_is_retried(emu: RunningEmulator) -> None:
    emu.set_faults(latency_ms=600, latency_next=1)
    retry = RetryPolicy(max_attempts=3, sleep=lambda _: None)
    with OmiClient(emu.base_url, emu.api_key, timeout=0.25, retry=retry) as client:
        assert client.memories.scan().complete


def test_a_timed_out_create_is_reported_as_maybe_applied_and_not_repeated(
    emu: RunningEmulator,
) -> None:
    emu.set_faults(latency_ms=600, latency_next=1)
    retry = RetryPolicy(max_attempts=3, sleep=lambda _: None)
    client = OmiClient(emu.base_url, emu.api_key, timeout=0.25, retry=retry)
    with client, pytest.raises(TransportError) as caught:
        client.action_items.create("Book flights")
    assert caught.value.maybe_applied
    assert "timed out waiting for the answer" in str(caught.value)
    assert "may have been applied" in str(caught.value)
    # Sent once: the server logs the request when the delayed handling ends.
    assert eventually(lambda: len(statuses(emu, "/user/action-items")) == 1)
    time.sleep(0.1)
    assert len(statuses(emu, "/user/action-items")) == 1


def test_a_dropped_connection_is_retried_for_reads_only(
    omi: OmiClient, emu: RunningEmulator
) -> None:
    emu.set_faults(drop_next=1)
    assert omi.memories.scan().complete
    assert statuses(emu, "/user/memories") == [0, 200, 200]

    emu.set_faults(drop_next=1)
    with pytest.raises(TransportError) as caught:
        omi.action_items.create("Water the plants")
    assert caught.value.maybe_applied
    assert statuses(emu, "/user/action-items") == [0]


def test_a_delete_whose_answer_is_lost_still_completes(emu: RunningEmulator) -> None:
    """The first DELETE is applied but its answer times out; the retry's 404 means done."""
    retry = RetryPolicy(max_attempts=3, sleep=lambda _: time.sleep(0.4))
    with OmiClient(emu.base_url, emu.api_key, timeout=0.15, retry=retry) as client:
        item = client.action_items.create("Short-lived")
        emu.set_faults(latency_ms=300, latency_next=1)
        client.action_items.delete(item.id)
        assert len(client.action_items.scan()) == 0
    assert statuses(emu, f"/user/action-items/{item.id}") == [200, 404]


def test_a_429_storm_is_waited_out_even_for_creates(emu: RunningEmulator) -> None:
    clock = ManualClock()
    limiter = RateLimiter("omi", clock=clock.now, sleep=clock.sleep)
    with OmiClient(emu.base_url, emu.api_key, limiter=limiter) as client:
        emu.set_faults(storm_429=2, retry_after=7)
        item = client.action_items.create("Refused twice, then created once")
    assert clock.sleeps == [7, 7]
    assert statuses(emu, "/user/action-items") == [429, 429, 200]
    assert [a["id"] for a in stored_action_items(emu)] == [item.id]


def secret_in_logs(records: list[logging.LogRecord], secret: str) -> list[str]:
    """The log lines (message or any argument) that contain ``secret``."""
    leaks = []
    for record in records:
        texts = [str(record.msg), record.getMessage(), *map(str, record.args or ())]
        if any(secret in text for text in texts):
            leaks.append(record.getMessage())
    return leaks


def test_the_key_never_appears_in_log_records(
    omi: OmiClient, emu: RunningEmulator, caplog: pytest.LogCaptureFixture, api_key: str
) -> None:
    """Over a retried 5xx, a dropped write, a 401 and a refused connection, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    emu.set_faults(fail_next=1)
    assert omi.memories.scan().complete
    emu.set_faults(drop_next=1)
    with pytest.raises(TransportError):
        omi.action_items.create("Dropped on the way")
    with OmiClient(emu.base_url, api_key) as stranger, pytest.raises(AuthError):
        stranger.memories.scan()
    nowhere = OmiClient("http://127.0.0.1:9/v1/dev", emu.api_key, retry=NO_RETRY)
    with nowhere, pytest.raises(TransportError):
        nowhere.memories.scan()
    assert any(record.name == "omisync.omi" for record in caplog.records)
    assert secret_in_logs(caplog.records, emu.api_key) == []
    assert secret_in_logs(caplog.records, api_key) == []
