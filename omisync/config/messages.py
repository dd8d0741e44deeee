"""Pydantic's validation errors, said in the words of someone editing a YAML file.

Pydantic speaks of its own types (``Input is not a valid path for <class 'pathlib.Path'>``,
``an instance of MaxDelete``); a user needs to hear what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MISSING", "user_message"]

#: The message of a required key that is not there.
MISSING = "required key is missing"

#: What a value of each pydantic error type should have been.
_EXPECTED: Mapping[str, str] = {
    "path_type": "expected a path, e.g. ~/Documents/Vault",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list, e.g. [a, b] or one `- item` per line",
    "tuple_type": "expected a list, e.g. [a, b] or one `- item` per line",
    "set_type": "expected a list, e.g. [a, b] or one `- item` per line",
    "dict_type": "expected a mapping of keys, one `key: value` per line",
    "model_type": "expected a mapping of keys, one `key: value` per line",
    "model_attributes_type": "expected a mapping of keys, one `key: value` per line",
    "dataclass_type": "expected a mapping of keys, one `key: value` per line",
    "timedelta_type": "expected a duration, e.g. 90s, 5m or 1h",
    "timedelta_parsing": "expected a duration, e.g. 90s, 5m or 1h",
    "none_required": "expected nothing here (remove the value)",
}

#: Traces of Python types that may remain in other messages.
_CLASS = re.compile(r"\s*(?:for |of )?<class '[\w.]+'>|,? ?or an instance of \w+")


def user_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (an item of ``ValidationError.errors()``), without
    internal class names, telling what is expected."""
    kind = str(error.get("type", ""))
    if kind == "missing":
        return MISSING
    if kind in _EXPECTED:
        return _EXPECTED[kind] + _got(error.get("input"))
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    message = message.replace("Input should be", "must be")
    return _CLASS.sub("", message).strip()


def _got(value: object) -> str:
    """``, not a list`` for a value of the wrong type (never the value itself: it might be
    a secret written under the wrong key)."""
    if value is None:
        return ", not an empty value"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return f", not {name}"
    if isinstance(value, float) and not value.is_integer():
        return ", not a fraction"
    if isinstance(value, int | float):
        return ", not a number"
    return ""
