"""Paging, batching and retry decisions, against small in-process servers on httpx's
MockTransport (the emulator tests cover the same over real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from omisync.omi import (
    NewActionItem,
    NewMemory,
    NewSegment,
    PartialBatchError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)

MockClient = Callable[..., Any]


class ListServer:
    """Serves ``rows`` at offset/limit, clamping at ``clamp`` and hiding ``hidden`` ids after
    the page is cut (like Omi's locked action items)."""

    def __init__(
        self, rows: list[dict[str, Any]], clamp: int, hidden: set[str] = frozenset()
    ) -> None:  # type: ignore[assignment]
        self.rows = rows
        self.clamp = clamp
        self.hidden = hidden
        self.pages: list[tuple[int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", 25))
        offset = int(request.url.params.get("offset", 0))
        self.pages.append((offset, limit))
        limit = max(1, min(limit, self.clamp))
        page = self.rows[offset : offset + limit]
        return httpx.Response(200, json=[r for r in page if r["id"] not in self.hidden])


def items(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"id": f"a{i:05d}", "description": f"task {i}", **extra} for i in range(n)]


def test_short_pages_are_not_the_end(mock_client: MockClient) -> None:
    rows = items(2500)
    hidden = {rows[i]["id"] for i in range(0, 2500, 7)}
    server = ListServer(rows, clamp=1000, hidden=hidden)
    client, _, _ = mock_client(server)
    scan = client.action_items.scan()
    assert [i.id for i in scan] == [r["id"] for r in rows if r["id"] not in hidden]
    assert scan.complete and scan.is_full_listing
    assert server.pages[0] == (0, 1000)
    assert server.pages[-1][0] >= 2500 - len(hidden)
    assert scan.requests == len(server.pages)


def test_a_server_that_clamps_harder_never_makes_rows_go_missing(mock_client: MockClient) -> None:
    rows = items(950)
    server = ListServer(rows, clamp=100)
    client, _, _ = mock_client(server)
    scan = client.action_items.scan()
    assert len(scan) == 950
    assert [offset for offset, _ in server.pages] == [*range(0, 1000, 100), 950, 1950]


def test_rows_seen_twice_are_kept_once(mock_client: MockClient) -> None:
    rows = items(30)
    listing = list(rows)

    def growing(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        page = listing[offset : offset + 10]
        if offset == 0:  # two new rows arrive at the top right after the first page
            listing[:0] = items(2, description="new")
            listing[0]["id"], listing[1]["id"] = "new1", "new2"
        return httpx.Response(200, json=page)

    client, _, _ = mock_client(growing)
    scan = client.action_items.scan(page_size=10)
    assert [i.id for i in scan] == [r["id"] for r in rows]


def test_page_sizes_are_the_largest_the_server_allows(mock_client: MockClient) -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    def empty(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, dict(request.url.params)))
        return httpx.Response(200, json=[])

    client, _, _ = mock_client(empty)
    client.memories.scan()
    client.action_items.scan()
    client.conversations.scan()
    client.conversations.scan(include_transcript=True)
    limits = ["1000", "1000", "1000", "1000", "100", "100", "25", "25"]
    assert [params["limit"] for _, params in seen] == limits
    assert [params["offset"] for _, params in seen] == ["0", "1000"] * 2 + ["0", "100", "0", "25"]
    assert seen[6][1]["include_transcript"] == "true"


def test_a_page_size_above_the_server_clamp_is_capped_to_it(mock_client: MockClient) -> None:
    seen: list[str] = []

    def empty(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["limit"])
        return httpx.Response(200, json=[])

    client, _, _ = mock_client(empty)
    pagers = [
        client.memories.iter(page_size=5000),
        client.action_items.iter(page_size=5000),
        client.conversations.iter(page_size=5000),
        client.conversations.iter(page_size=5000, include_transcript=True),
        client.conversations.iter(page_size=7),
    ]
    assert [pager.page_size for pager in pagers] == [1000, 1000, 100, 25, 7]
    for pager in pagers:
        list(pager)
    assert seen == ["1000"] * 4 + ["100"] * 2 + ["25"] * 2 + ["7"] * 2


def test_filters_are_sent_and_standalone_is_filtered_here(mock_client: MockClient) -> None:
    rows = [
        {"id": "a1", "description": "x", "conversation_id": None},
        {"id": "a2", "description": "y", "conversation_id": "c1"},
    ]
    server = ListServer(rows, clamp=1000)
    client, recorder, _ = mock_client(server)
    scan = client.action_items.scan(
        standalone_only=True,
        completed=False,
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert [i.id for i in scan] == ["a1"]
    assert scan.complete and scan.filtered and not scan.is_full_listing
    params = recorder.requests[0].url.params
    assert params["completed"] == "false"
    assert params["start_date"] == "2025-01-01T00:00:00+00:00"
    assert "conversation_id" not in params
    with pytest.raises(ValueError, match="exclude each other"):
        client.action_items.scan(standalone_only=True, conversation_id="c1")
    with pytest.raises(ValueError, match="start_date must be timezone-aware"):
        client.action_items.scan(start_date=datetime(2025, 1, 1))
    client.memories.scan(categories=["system", "interesting"])
    assert recorder.requests[-1].url.params["categories"] == "system,interesting"


def test_a_page_that_fails_fails_the_scan(mock_client: MockClient) -> None:
    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "0":
            return httpx.Response(200, json=items(10))
        return httpx.Response(403, json={"detail": "Insufficient permissions"})

    client, _, _ = mock_client(flaky)
    pager = client.action_items.iter(page_size=10)
    with pytest.raises(Exception, match="Insufficient permissions"):
        list(pager)
    assert not pager.complete


def test_a_caller_that_stops_early_has_an_incomplete_scan(mock_client: MockClient) -> None:
    client, _, _ = mock_client(ListServer(items(50), clamp=1000))
    pager = client.action_items.iter(page_size=10)
    for _ in pager:
        break
    assert not pager.complete


def batch_echo(key: str) -> Callable[[httpx.Request], httpx.Response]:
    counter = iter(range(10**6))

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)[key]
        made = [{"id": f"id{next(counter)}", **entry} for entry in sent]
        return httpx.Response(200, json={key: made, "created_count": len(made)})

    return handler


def test_batches_are_chunked_25_memories_and_50_action_items(mock_client: MockClient) -> None:
    client, recorder, _ = mock_client(batch_echo("memories"))
    created = client.memories.create_batch([NewMemory(f"note {i}") for i in range(60)])
    assert [m.content for m in created] == [f"note {i}" for i in range(60)]
    assert [len(b["memories"]) for b in recorder.bodies()] == [25, 25, 10]

    client, recorder, _ = mock_client(batch_echo("action_items"))
    due = datetime(2025, 3, 1, 12, tzinfo=UTC)
    created_items = client.action_items.create_batch(
        [NewActionItem(f"t{i}", due_at=due if i == 0 else None) for i in range(120)]
    )
    assert len(created_items) == 120 and created_items[0].due_at == due
    bodies = recorder.bodies()
    assert [len(b["action_items"]) for b in bodies] == [50, 50, 20]
    assert bodies[0]["action_items"][0] == {
        "description": "t0",
        "completed": False,
        "due_at": "2025-03-01T12:00:00+00:00",
    }
    assert client.action_items.create_batch([]) == []


def test_a_failing_later_chunk_reports_what_was_created(mock_client: MockClient) -> None:
    echo = batch_echo("action_items")

    def second_fails(request: httpx.Request) -> httpx.Response:
        if len(recorder.requests) == 2:
            return httpx.Response(
                422, json={"detail": "All action items must have non-empty descriptions"}
            )
        return echo(request)

    client, recorder, _ = mock_client(second_fails)
    with pytest.raises(PartialBatchError) as caught:
        client.action_items.create_batch([NewActionItem(f"t{i}") for i in range(70)])
    assert len(caught.value.created) == 50 and caught.value.failed_at == 50
    assert isinstance(caught.value.__cause__, ValidationError)
    assert "50 of 70 action items were created" in str(caught.value)


# --- retries ------------------------------------------------------------------------------


def sequence(*answers: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


OK_ITEM = httpx.Response(200, json={"id": "a1", "description": "x", "completed": False})
OK_CREATED = httpx.Response(200, json={"id": "c1", "status": "completed", "discarded": False})
FAIL = httpx.Response(500, json={"detail": "Internal Server Error"})


def test_reads_are_retried_with_jittered_backoff(mock_client: MockClient) -> None:
    client, recorder, clock = mock_client(sequence(FAIL, FAIL, httpx.Response(200, json=[])))
    assert client.memories.scan().complete
    assert len(recorder.requests) == 4  # 2 failures, the empty page, its look-ahead
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0


def test_attempts_run_out(mock_client: MockClient) -> None:
    client, recorder, _ = mock_client(sequence(FAIL))
    with pytest.raises(ServerError):
        client.memories.update("m1", tags=["x"])
    assert len(recorder.requests) == 4


def test_an_action_item_create_is_not_repeated_after_a_5xx_or_a_lost_answer(
    mock_client: MockClient,
) -> None:
    client, recorder, _ = mock_client(sequence(FAIL, OK_ITEM))
    with pytest.raises(ServerError):
        client.action_items.create("x")
    assert len(recorder.requests) == 1

    client, recorder, _ = mock_client(sequence(httpx.ReadTimeout("slow"), OK_ITEM))
    with pytest.raises(TransportError) as caught:
        client.action_items.create("x")
    assert caught.value.maybe_applied
    assert "may have been applied" in str(caught.value)
    assert len(recorder.requests) == 1


def test_creates_are_repeated_when_nothing_was_sent_or_it_was_refused(
    mock_client: MockClient,
) -> None:
    client, recorder, _ = mock_client(sequence(httpx.ConnectError("refused"), OK_ITEM))
    assert client.action_items.create("x").id == "a1"
    assert len(recorder.requests) == 2

    limited = httpx.Response(
        429,
        json={"detail": "Rate limit exceeded. Try again in 20s."},
        headers={"Retry-After": "20"},
    )
    client, recorder, clock = mock_client(sequence(limited, OK_ITEM))
    assert client.action_items.create("x").id == "a1"
    assert clock.sleeps == [20]


def test_idempotent_creates_are_repeated_after_a_5xx(mock_client: MockClient) -> None:
    memory = httpx.Response(200, json={"id": "m1", "content": "x"})
    client, recorder, _ = mock_client(sequence(FAIL, memory))
    assert client.memories.create("x").id == "m1"
    assert len(recorder.requests) == 2

    segments = [NewSegment("hello", 0.0, 1.0)]
    client, recorder, _ = mock_client(sequence(FAIL, OK_CREATED))
    assert client.conversations.create_from_segments(segments, client_session_id="s1").id == "c1"
    assert len(recorder.requests) == 2
    client, recorder, _ = mock_client(sequence(FAIL, OK_CREATED))
    with pytest.raises(ServerError):
        client.conversations.create_from_segments(segments)
    assert len(recorder.requests) == 1


def test_a_delete_whose_answer_was_lost_is_done_when_the_retry_finds_nothing(
    mock_client: MockClient,
) -> None:
    gone = httpx.Response(404, json={"detail": "Action item not found"})
    client, recorder, _ = mock_client(sequence(httpx.ReadTimeout("slow"), gone))
    client.action_items.delete("a1")
    assert len(recorder.requests) == 2
    client, _, _ = mock_client(sequence(gone))
    with pytest.raises(Exception, match="Action item not found"):
        client.action_items.delete("a1")


def test_a_retry_after_longer_than_the_limiter_waits_is_raised_at_once(
    mock_client: MockClient,
) -> None:
    limited = httpx.Response(
        429,
        json={"detail": "Rate limit exceeded. Try again in 3000s."},
        headers={"Retry-After": "3000"},
    )
    client, recorder, clock = mock_client(sequence(limited))
    with pytest.raises(RateLimitedError) as caught:
        client.memories.scan()
    assert caught.value.status_code == 429 and caught.value.retry_after == 3000
    assert clock.sleeps == [] and len(recorder.requests) == 1
    with pytest.raises(RateLimitedError) as local:
        client.memories.scan()
    assert local.value.status_code is None
    assert "try again later" in str(local.value)
    assert len(recorder.requests) == 1
