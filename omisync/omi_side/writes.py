"""How the Omi side writes: one batch call for creates, one request per item for the rest.

Two rules shared by tasks and notes live here:

- **A bad draft never sinks its batch.** Omi's batch endpoints are all-or-nothing, so drafts
  Omi would refuse (blank or too long text, a bad due date ...) are answered :class:`Failed`
  before the call and only the others are sent.
- **Per-item errors stay per item.** A 404, 402 or 422 on one item is that item's outcome; a
  failure of the service itself (network, 5xx, 429, a refused key) stops the batch: raised when
  nothing was written yet, else reported on the failing item and every item after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from omisync.omi import LockedError, NotFoundError, OmiError, ValidationError
from omisync.omi_side.errors import SIDE_NAME, side_error
from omisync.sync.side import Draft, Failed, ItemRejectedError, Outcome, Written

__all__ = [
    "TEXT_LIMIT",
    "checked_text",
    "create_in_one_call",
    "rejected",
    "unclearable",
    "unknown_fields",
    "write_each",
]

#: The longest text Omi accepts for a memory's content or an action item's description.
TEXT_LIMIT = 500

N = TypeVar("N")
R = TypeVar("R")
T = TypeVar("T")

_ITEM_ERRORS = (NotFoundError, LockedError, ValidationError)


def rejected(message: str) -> ItemRejectedError:
    """Return an :class:`ItemRejectedError` of the Omi side."""
    return ItemRejectedError(message, side=SIDE_NAME)


def checked_text(value: Any, field: str) -> str:
    """Return ``value`` stripped, as Omi stores it.

    Raises :class:`ItemRejectedError` naming ``field`` when it is not text, is blank, or is
    longer than :data:`TEXT_LIMIT` characters (Omi refuses such text; it is never truncated).
    """
    if not isinstance(value, str):
        raise rejected(f"{field}: expected text, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise rejected(f"{field}: Omi does not accept empty text")
    if len(text) > TEXT_LIMIT:
        raise rejected(
            f"{field}: {len(text)} characters, Omi accepts at most {TEXT_LIMIT}; shorten it"
        )
    return text


def unclearable(fields: Mapping[str, Any], reasons: Mapping[str, str]) -> ItemRejectedError | None:
    """Return the error for a change that would remove a value Omi cannot remove, else None.

    Omi's PATCH reads ``null`` as "leave unchanged", so such a change would silently not
    happen. ``reasons`` maps a field to why it cannot be removed (and what the user can do).
    """
    cleared = sorted(name for name, value in fields.items() if value is None)
    if not cleared:
        return None
    why = "; ".join(reasons.get(name, f"Omi cannot remove {name}") for name in cleared)
    return rejected(f"{why}. The change was not applied")


def unknown_fields(fields: Iterable[str], known: Sequence[str], noun: str) -> None:
    """Raise :class:`ItemRejectedError` when ``fields`` holds a name outside ``known``."""
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise rejected(f"{noun}: unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}")


def create_in_one_call(
    drafts: Sequence[Draft],
    prepare: Callable[[Draft], N],
    send: Callable[[list[N]], list[R]],
    written: Callable[[R], Written],
    doing: str,
) -> list[Outcome]:
    """Create ``drafts`` through one batch call; return one outcome per draft, in order.

    ``prepare`` turns a draft into the client's new-record value or raises
    :class:`ItemRejectedError` (that draft is answered :class:`Failed` and not sent); ``send``
    makes the call and returns the created records in input order; ``written`` turns one into
    its :class:`Written`. Raises the :class:`SideError` of a failed call (``doing`` names it):
    the caller must assume any sent draft may or may not exist now.
    """
    outcomes: list[Outcome | None] = [None] * len(drafts)
    batch: list[tuple[int, N]] = []
    for index, draft in enumerate(drafts):
        try:
            batch.append((index, prepare(draft)))
        except ItemRejectedError as error:
            outcomes[index] = Failed(None, error)
    if batch:
        try:
            created = send([new for _, new in batch])
        except OmiError as error:
            raise side_error(error, f"{doing} ({len(batch)} in one call)") from error
        for (index, _), record in zip(batch, created, strict=True):
            outcomes[index] = written(record)
    return [outcome for outcome in outcomes if outcome is not None]


def write_each(
    items: Sequence[T],
    item_id: Callable[[T], str],
    write: Callable[[T], Outcome],
    doing: str,
) -> list[Outcome]:
    """Apply ``write`` to each item (one request each); return one outcome per item, in order.

    An item ``write`` refuses itself (it raises :class:`ItemRejectedError` before sending) or
    Omi answers 404, 402 or 422 gets a :class:`Failed` with the matching error (a ``write``
    that treats one of them differently catches it itself). Any other
    :class:`OmiError` stops the batch: it is raised as a :class:`SideError` when nothing was
    written yet, else the failing item and all after it are answered :class:`Failed` with it.
    """
    outcomes: list[Outcome] = []
    for index, item in enumerate(items):
        what = f"{doing} {item_id(item)}"
        try:
            outcomes.append(write(item))
        except ItemRejectedError as error:
            outcomes.append(Failed(item_id(item), error))
        except _ITEM_ERRORS as error:
            outcomes.append(Failed(item_id(item), side_error(error, what)))
        except OmiError as error:
            failure = side_error(error, what)
            if not any(isinstance(outcome, Written) for outcome in outcomes):
                raise failure from error
            outcomes.extend(Failed(item_id(rest), failure) for rest in items[index:])
            break
    return outcomes
