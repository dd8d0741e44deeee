"""The emulator against the backend's own OpenAPI document (tests/emulator/omi-openapi.json).

For every operation this emulator covers (memories, action items, conversations incl. by-id
and from-segments, keys, folders; not goals, ask or vector search) it checks over real HTTP:
the route exists; a valid request built from the schema is accepted and its answer validates
against the documented response schema (JSON Schema 2020-12, no undocumented fields, offsets
on every date-time); bodies and query values breaking a schema rule get FastAPI's 422 (or the
backend's 400 for categories); error answers match ``ErrorResponse``. Finally the emulator's
own models are compared field by field with the document's components.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from emulator_openapi import (
    COMPONENTS,
    DOCUMENT,
    broken_bodies,
    example,
    problems,
    resolve,
)

from omisync.emulator import RunningEmulator, create_app

NOT_COVERED = ("/goals", "/ask", "/vector/")
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    if not any(part in path for part in NOT_COVERED)
    for method in item
]
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
VALIDATION_SCHEMA = {"$ref": "#/components/schemas/HTTPValidationError"}


def operation(method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return op


def success(method: str, path: str) -> tuple[int, dict[str, Any] | None]:
    """The documented success status of an operation and its JSON schema (None = no body)."""
    responses = operation(method, path)["responses"]
    code = min(c for c in responses if c.startswith("2"))
    content = responses[code].get("content", {}).get("application/json")
    return int(code), None if content is None else content["schema"]


def body_schema(method: str, path: str) -> dict[str, Any] | None:
    body = operation(method, path).get("requestBody")
    return None if body is None else body["content"]["application/json"]["schema"]


@dataclass
class Context:
    """Live ids for path parameters and query values."""

    emulator: RunningEmulator
    http: httpx.Client
    ids: dict[str, str]

    def headers(self, method: str, path: str) -> dict[str, str]:
        schemes = {name for req in operation(method, path)["security"] for name in req}
        token = self.emulator.admin_token if "firebaseBearer" in schemes else self.emulator.api_key
        return {"Authorization": f"Bearer {token}"}

    def url(self, path: str, **overrides: str) -> str:
        filled = path
        for name, value in {**self.ids, **overrides}.items():
            filled = filled.replace("{" + name + "}", value)
        assert "{" not in filled, f"no value for a path parameter of {path}"
        return self.emulator.root_url + filled

    def query_value(self, path: str, name: str) -> str:
        per_path = {
            ("categories", "memories"): "system,interesting",
            ("categories", "conversations"): "work,personal",
        }
        for (param, fragment), value in per_path.items():
            if name == param and fragment in path:
                return value
        values = {
            "limit": "10",
            "offset": "0",
            "completed": "false",
            "start_date": "2000-01-01T00:00:00Z",
            "end_date": "2100-01-01T00:00:00+00:00",
            "include_transcript": "true",
            "starred": "false",
            "conversation_id": self.ids["conversation_id"],
            "folder_id": self.ids["folder_id"],
        }
        assert name in values, f"no valid value for query parameter {name} of {path}"
        return values[name]

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        auth: bool = True,
        **path_values: str,
    ) -> httpx.Response:
        return self.http.request(
            method,
            self.url(path, **path_values),
            params=params,
            json=json,
            headers=self.headers(method, path) if auth else {},
        )


@pytest.fixture
def ctx(omi_emulator: RunningEmulator) -> Iterator[Context]:
    omi_emulator.reset(sample_data=True)
    with httpx.Client(base_url=omi_emulator.base_url) as http:
        auth = {"Authorization": f"Bearer {omi_emulator.api_key}"}
        memory = http.post("/user/memories", json={"content": "Conformance"}, headers=auth)
        item = http.post("/user/action-items", json={"description": "Check"}, headers=auth)
        conversation = http.post(
            "/user/conversations",
            json={"text": "I need to call the landlord about the heating tomorrow."},
            headers=auth,
        )
        key = http.post(
            "/keys",
            json={"name": "conformance"},
            headers={"Authorization": f"Bearer {omi_emulator.admin_token}"},
        )
        [folder] = omi_emulator.seed({"folders": [{"name": "Inbox"}]})["folders"]
        ids = {
            "memory_id": memory.json()["id"],
            "action_item_id": item.json()["id"],
            "conversation_id": conversation.json()["id"],
            "key_id": key.json()["id"],
            "folder_id": folder,
        }
        yield Context(omi_emulator, http, ids)


def test_the_document_is_the_expected_one() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    assert DOCUMENT["info"]["title"] == "Omi Developer API"
    assert len(OPERATIONS) == 20


def test_every_covered_operation_is_served() -> None:
    app = create_app()
    served = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    app.state.emulator.store.close()

    assert sorted(set(OPERATIONS) - served) == []


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_valid_request_is_accepted_and_answered_as_documented(
    ctx: Context, method: str, path: str
) -> None:
    params = {
        p["name"]: ctx.query_value(path, p["name"])
        for p in operation(method, path).get("parameters", [])
        if p["in"] == "query"
    }
    schema = body_schema(method, path)
    status, answer_schema = success(method, path)

    response = ctx.send(
        method, path, params=params, json=None if schema is None else example(schema)
    )

    assert response.status_code == status, response.text
    if answer_schema is None:
        assert response.content == b""
    else:
        assert problems(response.json(), answer_schema) == []


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p in OPERATIONS if m == "GET" and "{" not in p]
)
def test_lists_with_default_parameters_are_bare_non_empty_arrays(
    ctx: Context, method: str, path: str
) -> None:
    _, answer_schema = success(method, path)
    assert answer_schema is not None

    response = ctx.send(method, path)

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert response.json(), f"{path} answered an empty list; the check would prove nothing"
    assert problems(response.json(), answer_schema) == []


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p in OPERATIONS if body_schema(m, p) is not None]
)
def test_bodies_breaking_a_schema_rule_get_a_pydantic_422(
    ctx: Context, method: str, path: str
) -> None:
    schema = body_schema(method, path)
    assert schema is not None
    cases = broken_bodies(schema)
    failures = []

    for case in cases:
        response = ctx.send(method, path, json=case.body)
        detail = response.json().get("detail") if response.status_code == 422 else None
        locs = [tuple(error["loc"]) for error in detail] if isinstance(detail, list) else []
        if response.status_code != 422 or problems(response.json(), VALIDATION_SCHEMA):
            failures.append(f"{case.label}: {response.status_code} {response.text[:200]}")
        elif not any(loc[: len(case.loc)] == case.loc for loc in locs):
            failures.append(f"{case.label}: expected an error at {case.loc}, got {locs}")

    assert len(cases) >= 2
    assert failures == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (m, p)
        for m, p in OPERATIONS
        if any(q["in"] == "query" for q in operation(m, p).get("parameters", []))
    ],
)
def test_query_values_breaking_a_schema_rule_are_refused(
    ctx: Context, method: str, path: str
) -> None:
    bad_values = {"integer": "ten", "boolean": "maybe"}
    failures = []
    checked = 0

    for param in operation(method, path)["parameters"]:
        if param["in"] != "query":
            continue
        field = resolve(param["schema"])
        kinds = [resolve(b) for b in field.get("anyOf", [field]) if b.get("type") != "null"]
        for kind in kinds:
            if kind.get("format") == "date-time":
                value, expected = "last tuesday", 422
            elif kind.get("minLength", 0) > 0:
                value, expected = "", 422
            elif kind.get("type") in bad_values:
                value, expected = bad_values[kind["type"]], 422
            elif param["name"] == "categories":
                value, expected = "not-a-category", 400
            else:
                continue
            checked += 1
            response = ctx.send(method, path, params={param["name"]: value})
            schema = VALIDATION_SCHEMA if expected == 422 else ERROR_SCHEMA
            if response.status_code != expected or problems(response.json(), schema):
                failures.append(f"{param['name']}={value!r}: {response.status_code}")

    assert checked >= 1
    assert failures == []


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_unauthenticated_requests_get_a_documented_401(
    ctx: Context, method: str, path: str
) -> None:
    schema = body_schema(method, path)
    response = ctx.send(method, path, json=None if schema is None else example(schema), auth=False)

    assert "401" in operation(method, path)["responses"]
    assert response.status_code == 401
    assert problems(response.json(), ERROR_SCHEMA) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p in OPERATIONS if "404" in operation(m, p)["responses"] and "key_id" not in p],
)
def test_unknown_ids_get_a_documented_404(ctx: Context, method: str, path: str) -> None:
    schema = body_schema(method, path)
    unknown = {
        name: "no-such-id"
        for name in ("memory_id", "action_item_id", "conversation_id")
        if "{" + name + "}" in path
    }

    response = ctx.send(method, path, json=None if schema is None else example(schema), **unknown)

    assert response.status_code == 404
    assert problems(response.json(), ERROR_SCHEMA) == []


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p in OPERATIONS if "403" in operation(m, p)["responses"]]
)
def test_keys_without_the_scope_get_a_documented_403(ctx: Context, method: str, path: str) -> None:
    no_scope_key = ctx.emulator.create_key("no scopes", [])
    schema = body_schema(method, path)

    response = ctx.http.request(
        method,
        ctx.url(path),
        json=None if schema is None else example(schema),
        headers={"Authorization": f"Bearer {no_scope_key}"},
    )

    assert response.status_code == 403
    assert problems(response.json(), ERROR_SCHEMA) == []


_CONSTRAINTS = {
    "type",
    "format",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "minimum",
    "maximum",
    "default",
    "enum",
    "$ref",
    "items",
}


def _signature(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_signature(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    signature: dict[str, Any] = {k: _signature(v) for k, v in schema.items() if k in _CONSTRAINTS}
    if "anyOf" in schema:
        signature["anyOf"] = sorted(
            json.dumps(_signature(b), sort_keys=True) for b in schema["anyOf"]
        )
    return signature


def test_emulator_models_match_the_documented_components() -> None:
    app = create_app()
    ours = app.openapi()["components"]["schemas"]
    app.state.emulator.store.close()
    used = {
        ref.rsplit("/", 1)[1]
        for method, path in OPERATIONS
        for ref in _refs(operation(method, path))
    }
    mismatches = []

    for name in sorted(used):
        theirs = COMPONENTS[name]
        mine = ours.get(name)
        if mine is None:
            mismatches.append(f"{name}: not modelled")
            continue
        if name == "ValidationError":  # newer FastAPI adds input/ctx to the same errors
            if not set(theirs["properties"]) <= set(mine["properties"]):
                mismatches.append(f"{name}: missing fields")
            continue
        if set(theirs.get("required", [])) != set(mine.get("required", [])):
            mismatches.append(f"{name}: required differs")
        if theirs.get("enum") != mine.get("enum"):
            mismatches.append(f"{name}: enum differs")
        for prop, sub in theirs.get("properties", {}).items():
            if _signature(sub) != _signature(mine.get("properties", {}).get(prop)):
                mismatches.append(f"{name}.{prop}: {_signature(mine['properties'].get(prop))}")
        extra = set(mine.get("properties", {})) - set(theirs.get("properties", {}))
        if extra:
            mismatches.append(f"{name}: undocumented fields {sorted(extra)}")

    assert len(used) > 20
    assert mismatches == []


def _refs(node: Any) -> set[str]:
    """Every component reachable from ``node`` (following refs transitively)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if (
                isinstance(ref, str)
                and ref.startswith("#/components/schemas/")
                and ref not in found
            ):
                found.add(ref)
                stack.append(COMPONENTS[ref.rsplit("/", 1)[1]])
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found
