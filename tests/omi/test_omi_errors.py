"""Error answers of both shapes become one OmiError subclass per meaning, in plain words."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from omisync.omi import (
    AuthError,
    ConfigurationError,
    ConflictError,
    FieldProblem,
    ForbiddenError,
    LockedError,
    MalformedResponseError,
    NewMemory,
    NotFoundError,
    OmiClient,
    OmiError,
    RateLimitedError,
    ServerError,
    UnexpectedStatusError,
    ValidationError,
)
from omisync.omi._error_body import field_path, parse_error_body

MockClient = Callable[..., Any]


def answering(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return handler


PYDANTIC_422 = {
    "detail": [
        {
            "type": "string_too_long",
            "loc": ["body", "content"],
            "msg": "String should have at most 500 characters",
            "input": "x" * 501,
            "ctx": {"max_length": 500},
        }
    ]
}


@pytest.mark.parametrize(
    ("status", "body", "cls", "words"),
    [
        (401, {"detail": "Invalid API Key"}, AuthError, "Omi did not accept the API key"),
        (402, {"detail": "A paid plan is required to access this memory."}, LockedError, "locked"),
        (
            403,
            {"detail": "Insufficient permissions. Required scope: memories:write"},
            ForbiddenError,
            "scopes omisync needs",
        ),
        (404, {"detail": "Memory not found"}, NotFoundError, "not found in Omi"),
        (409, {"detail": "Conversation creation already in progress"}, ConflictError, "conflict"),
        (
            400,
            {"detail": "Invalid category 'x' is not a valid MemoryCategory"},
            ValidationError,
            "",
        ),
        (422, PYDANTIC_422, ValidationError, "content: String should have at most 500"),
        (503, {"detail": "Rate limiter unavailable"}, ServerError, "server error"),
        (405, {"detail": "Method Not Allowed"}, UnexpectedStatusError, "unexpected status"),
    ],
)
def test_each_status_has_its_own_class_and_a_readable_message(
    mock_client: MockClient, status: int, body: object, cls: type[OmiError], words: str
) -> None:
    client, _, _ = mock_client(answering(status, body))
    with pytest.raises(cls) as caught:
        client.memories.update("m1", content="new")
    error = caught.value
    assert error.status_code == status
    text = str(error)
    assert text.startswith("PATCH /v1/dev/user/memories/m1: ")
    assert f"(HTTP {status})" in text
    assert words in text


def test_pydantic_detail_lists_each_field_problem(mock_client: MockClient) -> None:
    body = {
        "detail": [
            {
                "type": "too_long",
                "loc": ["body", "memories"],
                "msg": "List should have at most 25 items",
            },
            {"type": "missing", "loc": ["body", "memories", 3, "content"], "msg": "Field required"},
        ]
    }
    client, _, _ = mock_client(answering(422, body))
    with pytest.raises(ValidationError) as caught:
        client.memories.create("x")
    assert caught.value.problems == (
        FieldProblem("memories", "List should have at most 25 items"),
        FieldProblem("memories[3].content", "Field required"),
    )
    assert "memories[3].content: Field required" in str(caught.value)
    assert "x" * 10 not in str(caught.value)


def test_the_docs_error_envelope_is_read(mock_client: MockClient) -> None:
    body = {"error": {"message": "Invalid API key", "code": "invalid_api_key"}}
    client, _, _ = mock_client(answering(401, body))
    with pytest.raises(AuthError) as caught:
        client.key_info()
    assert caught.value.code == "invalid_api_key"
    assert caught.value.message == "Invalid API key"
    assert "GET /v1/dev/key" in str(caught.value)


def test_an_object_detail_403_keeps_the_object(mock_client: MockClient) -> None:
    detail = {
        "enabled": False,
        "reason": "memory_grant_denied",
        "consumer": "developer_api",
        "archive_default_visible": False,
    }
    client, _, _ = mock_client(answering(403, {"detail": detail}))
    with pytest.raises(ForbiddenError) as caught:
        client.memories.scan()
    assert caught.value.detail_object == detail
    assert caught.value.message == "memory_grant_denied"


def test_a_non_json_error_body_is_shown_as_text(mock_client: MockClient) -> None:
    client, _, _ = mock_client(answering(502, "<html>Bad gateway</html>"))
    with pytest.raises(ServerError, match="Bad gateway"):
        client.memories.delete("m1")


def test_429_carries_retry_after(mock_client: MockClient) -> None:
    client, _, _ = mock_client(
        answering(
            429,
            {"detail": "Rate limit exceeded. Try again in 4000s."},
            {"Retry-After": "4000", "X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0"},
        )
    )
    with pytest.raises(RateLimitedError) as caught:
        client.memories.scan()
    assert caught.value.retry_after == 4000
    assert caught.value.status_code == 429
    assert "Try again in 4000s" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("not json at all", "not JSON"),
        ({"memories": []}, "expected a JSON array of memories"),
        ([{"content": "no id"}], "memory #0 field 'id' is missing"),
        ([{"id": "m1", "created_at": "yesterday"}], "memory #0 (id 'm1') field 'created_at'"),
        ([{"id": "m1", "tags": "a,b"}], "field 'tags': expected a list of strings"),
        ([{"id": "m1", "manually_added": "yes"}], "field 'manually_added': expected true or false"),
    ],
)
def test_malformed_answers_name_the_item_and_field(
    mock_client: MockClient, body: object, words: str
) -> None:
    client, _, _ = mock_client(answering(200, body))
    with pytest.raises(MalformedResponseError) as caught:
        client.memories.scan()
    assert words in str(caught.value)
    assert str(caught.value).startswith("GET /v1/dev/user/memories: ")


def test_a_short_batch_answer_names_the_records_in_plural(mock_client: MockClient) -> None:
    client, _, _ = mock_client(answering(200, {"memories": [], "created_count": 0}))
    with pytest.raises(MalformedResponseError, match="sent 2 memories, got 0 back"):
        client.memories.create_batch([NewMemory("a"), NewMemory("b")])


def test_the_key_never_appears_in_errors_reprs_or_tracebacks(
    mock_client: MockClient, api_key: str
) -> None:
    echo = {"detail": f"Invalid API Key {api_key}"}
    client, recorder, _ = mock_client(answering(401, echo))
    assert api_key not in repr(client)
    with pytest.raises(AuthError) as caught:
        client.memories.scan()
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {api_key}"
    shown = [str(caught.value), repr(caught.value), caught.value.message]
    shown.append("".join(traceback.format_exception(caught.value)))
    assert all(api_key not in text for text in shown)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.headers['Authorization']}")

    client, _, _ = mock_client(refuse)
    with pytest.raises(OmiError) as refused:
        client.memories.scan()
    assert api_key not in "".join(traceback.format_exception(refused.value))


def test_missing_or_wrong_kind_of_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="set OMI_API_KEY"):
        OmiClient("http://127.0.0.1:9/v1/dev")
    secret = "omi_mcp_" + "1" * 32
    with pytest.raises(ConfigurationError, match="omi_mcp_ key only works for MCP") as caught:
        OmiClient("http://127.0.0.1:9/v1/dev", secret)
    assert secret not in str(caught.value)


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, api_key: str) -> None:
    monkeypatch.setenv("OMI_API_KEY", api_key)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json=[])

    with OmiClient("https://omi.test/v1/dev", transport=httpx.MockTransport(handler)) as client:
        client.memories.scan()
    assert seen == [f"Bearer {api_key}"] * 2  # the empty page and its look-ahead


def test_key_management_without_a_token_says_what_is_missing(api_key: str) -> None:
    client = OmiClient(
        "https://omi.test/v1/dev",
        api_key,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[])),
    )
    with pytest.raises(ConfigurationError, match="Firebase ID token"):
        client.keys.list()


# --- the body parser on its own -----------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
@example({"detail": [""]})
@example({"detail": {"message": ""}})
def test_any_json_body_gives_a_non_empty_message(body: object) -> None:
    parsed = parse_error_body(body, "Bad Request")
    assert isinstance(parsed.message, str) and parsed.message
    assert len(parsed.message) <= 2000


@given(st.text(min_size=1), st.text(min_size=1, max_size=20))
def test_both_shapes_give_the_same_message(message: str, code: str) -> None:
    assert parse_error_body({"detail": message}, "x").message == message
    doc_shape = parse_error_body({"error": {"message": message, "code": code}}, "x")
    assert (doc_shape.message, doc_shape.code) == (message, code)


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (["body", "content"], "content"),
        (["body", "action_items", 50], "action_items[50]"),
        (["query", "limit"], "limit"),
        (["body"], "body"),
        (["body", "transcript_segments", 0, "end"], "transcript_segments[0].end"),
    ],
)
def test_field_paths(loc: list[object], expected: str) -> None:
    assert field_path(loc) == expected
