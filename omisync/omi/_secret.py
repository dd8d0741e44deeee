"""A credential that never shows itself in a repr, a log line or an error message."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"


class Secret:
    """Holds a credential; ``str()`` and ``repr()`` show only a mask. :meth:`reveal` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The credential itself; only for the ``Authorization`` header."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def scrub(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` with every occurrence of each secret's value replaced by a mask."""
    for secret in secrets:
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), MASK)
    return text
