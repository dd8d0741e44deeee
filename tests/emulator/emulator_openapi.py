"""The backend's own OpenAPI document (``omi-openapi.json``, an unmodified copy of
BasedHardware/omi ``docs/api-reference/openapi.json`` at commit 01c6c33c) and tools to check
the emulator against it: JSON Schema 2020-12 validation with the document's components,
"no undocumented field" checks, and request bodies built from (or broken against) the schemas.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DOCUMENT: dict[str, Any] = json.loads(
    (Path(__file__).with_name("omi-openapi.json")).read_text(encoding="utf-8")
)
COMPONENTS: dict[str, Any] = DOCUMENT["components"]["schemas"]
VALID_DATETIME = "2026-02-03T10:15:00+00:00"
LATER_DATETIME = "2026-02-03T10:45:00+00:00"

#: Values the generic generator cannot guess (semantic rules on top of the schema).
BODY_OVERRIDES: dict[tuple[str, str], Any] = {
    ("CreateConversationTranscriptSegment", "start"): 1.0,
    ("CreateConversationTranscriptSegment", "end"): 2.5,
    ("CreateConversationTranscriptSegment", "text"): "We should book the venue for the offsite.",
    ("CreateConversationRequest", "text"): "I need to renew the car insurance before Friday.",
    ("CreateConversationFromTranscriptRequest", "finished_at"): LATER_DATETIME,
    ("DevApiKeyCreate", "scopes"): ["memories:read"],
    ("UpdateMemoryRequest", "visibility"): "public",
}


def resolve(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` links to a component until a concrete schema remains."""
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    return dict(schema)


def non_null(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return the non-null branch of an ``anyOf [X, null]`` (or the schema itself), resolved."""
    schema = resolve(schema)
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return resolve(branch)
    return schema


def validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """Return a 2020-12 validator for ``schema`` whose ``#/components/...`` refs resolve."""
    return Draft202012Validator({**schema, "components": DOCUMENT["components"]})


def problems(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """Return every way ``instance`` breaks ``schema`` (empty list = conforms).

    Beyond JSON Schema: objects must not carry undocumented fields, and ``date-time``
    strings must be ISO-8601 with a UTC offset.
    """
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(schema).iter_errors(instance)
    ]
    return found + list(_strictness(instance, schema, "$"))


#: Fields an answer may carry beyond a component's documented ones: FastAPI (with pydantic 2,
#: as the backend runs it) adds ``input`` and ``ctx`` to validation errors; the generated
#: document predates that.
TOLERATED_EXTRA_FIELDS: dict[str, frozenset[str]] = {"ValidationError": frozenset({"input", "ctx"})}


def _strictness(instance: Any, schema: Mapping[str, Any], where: str) -> Iterator[str]:
    component = schema.get("$ref", "").rsplit("/", 1)[-1]
    schema = resolve(schema)
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if validator(branch).is_valid(instance):
                yield from _strictness(instance, branch, where)
                return
        return
    if isinstance(instance, dict) and "properties" in schema:
        tolerated = TOLERATED_EXTRA_FIELDS.get(component, frozenset())
        extra = sorted(set(instance) - set(schema["properties"]) - tolerated)
        if extra:
            yield f"{where}: undocumented fields {extra}"
        for name, value in instance.items():
            if name in schema["properties"]:
                yield from _strictness(value, schema["properties"][name], f"{where}.{name}")
    elif isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            yield from _strictness(item, schema["items"], f"{where}[{index}]")
    elif schema.get("format") == "date-time" and isinstance(instance, str):
        try:
            if datetime.fromisoformat(instance).tzinfo is None:
                yield f"{where}: date-time without UTC offset: {instance}"
        except ValueError:
            yield f"{where}: not an ISO-8601 date-time: {instance}"


def example(schema: Mapping[str, Any], owner: str = "", prop: str = "") -> Any:
    """Return a valid instance of ``schema`` with every property filled in."""
    if (owner, prop) in BODY_OVERRIDES:
        return copy.deepcopy(BODY_OVERRIDES[(owner, prop)])
    title = schema.get("$ref", "").rsplit("/", 1)[-1]
    schema = non_null(schema)
    title = title or schema.get("title", "")
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: example(sub, title, name) for name, sub in schema["properties"].items()}
    if kind == "array":
        count = max(1, schema.get("minItems", 0))
        return [example(schema["items"]) for _ in range(count)]
    if kind == "string":
        if schema.get("format") == "date-time":
            return VALID_DATETIME
        text = "Conformance example text"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    raise AssertionError(f"no example for schema {schema}")


@dataclass(frozen=True)
class BrokenBody:
    """A request body violating one schema rule, and where FastAPI should say so."""

    label: str
    body: Any
    loc: tuple[str | int, ...]


def broken_bodies(schema_ref: Mapping[str, Any]) -> list[BrokenBody]:
    """Return one body per schema rule of the top-level fields (and of the first item of
    arrays of objects), each breaking exactly that rule."""
    valid = example(schema_ref)
    return list(_break_object(schema_ref, valid, ("body",)))


def _break_object(
    schema_ref: Mapping[str, Any], valid: dict[str, Any], loc: tuple[str | int, ...]
) -> Iterator[BrokenBody]:
    schema = resolve(schema_ref)
    required = set(schema.get("required", []))
    for name, sub in schema["properties"].items():

        def body_with(value: Any, *, drop: bool = False, name: str = name) -> dict[str, Any]:
            changed = copy.deepcopy(valid)
            if drop:
                del changed[name]
            else:
                changed[name] = value
            return changed

        here = (*loc, name)
        if name in required:
            yield BrokenBody(f"{name} missing", body_with(None, drop=True), here)
        field = non_null(sub)
        for label, value in _bad_values(field, valid[name]):
            yield BrokenBody(f"{name} {label}", body_with(value), here)
        items = resolve(field.get("items", {})) if field.get("type") == "array" else {}
        if "properties" in items:
            for broken in _break_object(field["items"], valid[name][0], (*here, 0)):
                yield BrokenBody(
                    broken.label, body_with([broken.body, *valid[name][1:]]), broken.loc
                )


def _bad_values(field: Mapping[str, Any], valid: Any) -> Iterator[tuple[str, Any]]:
    kind = field.get("type")
    if "enum" in field:
        yield "not in enum", "definitely-not-a-member"
    elif kind == "string" and field.get("format") == "date-time":
        yield "not a date-time", "next tuesday-ish"
    elif kind == "string":
        yield "not a string", 12345
    if kind == "string" and "maxLength" in field:
        yield "too long", "x" * (field["maxLength"] + 1)
    if kind == "string" and field.get("minLength", 0) > 0:
        yield "too short", ""
    if kind in ("integer", "number", "boolean"):
        yield f"not a {kind}", f"not-a-{kind}"
    if kind == "object" or "properties" in field:
        yield "not an object", "not-an-object"
    if kind == "array":
        yield "not an array", "not-an-array"
        if "maxItems" in field:
            yield "too many items", [valid[0]] * (field["maxItems"] + 1)
        if field.get("minItems", 0) > 0:
            yield "too few items", []
