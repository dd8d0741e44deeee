"""``client.action_items``: list, create (one or in batches), update and delete action items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from omisync.omi._batch import create_in_chunks
from omisync.omi._errors import ValidationError
from omisync.omi._http import Call, HttpCore
from omisync.omi._models import ActionItem, NewActionItem
from omisync.omi._paging import Pager, Scan
from omisync.omi._parse import Noun, parse_action_item, parse_batch, parse_list, parse_success
from omisync.omi._wire import require_some, wire_datetime, wire_optional_datetime, without_none

#: The largest page the server returns (it clamps silently above this).
PAGE_MAX = 1000
#: The most action items one batch request may carry.
BATCH_MAX = 50

_ROUTE = "user/action-items"
_ONE = "user/action-items/{action_item_id}"
_NOUN = Noun("action item", "action items")


def _new_item_body(item: NewActionItem) -> dict[str, object]:
    return without_none(
        {
            "description": item.description,
            "completed": item.completed,
            "due_at": wire_optional_datetime(item.due_at, "due_at"),
        }
    )


def _is_standalone(item: ActionItem) -> bool:
    return item.conversation_id is None


class ActionItems:
    """Omi action items. Creates are **not** idempotent (each one makes a new item), so they
    are not retried after a failure that may have reached Omi. There is no get-by-id."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def iter(
        self,
        *,
        completed: bool | None = None,
        conversation_id: str | None = None,
        standalone_only: bool = False,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        page_size: int = PAGE_MAX,
    ) -> Pager[ActionItem]:
        """A lazy listing (open items first, then by due date, then newest). ``start_date`` /
        ``end_date`` filter the creation time (inclusive). ``standalone_only`` keeps items
        with no conversation (filtered here: the server cannot). Locked items are never
        listed. ``page_size`` above :data:`PAGE_MAX` is capped to it. Raises ``ValueError``
        for naive dates or ``conversation_id`` together with ``standalone_only``."""
        if standalone_only and conversation_id is not None:
            raise ValueError("standalone_only and conversation_id exclude each other")
        params = {
            "completed": completed,
            "conversation_id": conversation_id,
            "start_date": wire_optional_datetime(start_date, "start_date"),
            "end_date": wire_optional_datetime(end_date, "end_date"),
        }

        def fetch(offset: int, limit: int) -> list[ActionItem]:
            call = Call("GET", _ROUTE, params={**params, "limit": limit, "offset": offset})
            parse = partial(parse_list, parse=parse_action_item, noun=_NOUN)
            return self._http.execute(call, parse)

        return Pager(
            fetch,
            page_size,
            page_max=PAGE_MAX,
            keep=_is_standalone if standalone_only else None,
            filtered=any(value is not None for value in params.values()),
        )

    def scan(
        self,
        *,
        completed: bool | None = None,
        conversation_id: str | None = None,
        standalone_only: bool = False,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        page_size: int = PAGE_MAX,
    ) -> Scan[ActionItem]:
        """Every matching action item, read to the end (see :meth:`iter`); raises on any
        failed page."""
        return self.iter(
            completed=completed,
            conversation_id=conversation_id,
            standalone_only=standalone_only,
            start_date=start_date,
            end_date=end_date,
            page_size=page_size,
        ).collect()

    def create(
        self, description: str, *, completed: bool = False, due_at: datetime | None = None
    ) -> ActionItem:
        """Create one standalone action item; returns it as stored. ``due_at`` must be
        timezone-aware (``ValueError`` otherwise)."""
        body = _new_item_body(NewActionItem(description, completed, due_at))
        call = Call("POST", _ROUTE, body=body, idempotent=False)
        return self._http.execute(call, parse_action_item)

    def create_batch(self, items: Sequence[NewActionItem]) -> list[ActionItem]:
        """Create ``items``, :data:`BATCH_MAX` per request; returns them in input order.

        Every item is checked before the first request, so an invalid one (a naive ``due_at``
        raises ``ValueError``) creates nothing. Raises :class:`PartialBatchError` when a later
        chunk fails after earlier ones.
        """
        bodies = [_new_item_body(item) for item in items]

        def send(chunk: Sequence[dict[str, object]]) -> list[ActionItem]:
            call = Call("POST", f"{_ROUTE}/batch", body={"action_items": chunk}, idempotent=False)
            parse = partial(
                parse_batch,
                key="action_items",
                parse=parse_action_item,
                noun=_NOUN,
                expected=len(chunk),
            )
            return self._http.execute(call, parse)

        return create_in_chunks(bodies, BATCH_MAX, send, _NOUN)

    def update(
        self,
        action_item_id: str,
        *,
        description: str | None = None,
        completed: bool | None = None,
        due_at: datetime | None = None,
    ) -> ActionItem:
        """Change the given fields; returns the item. Omi cannot clear a due date (it ignores
        ``due_at: null``), so None here means "leave unchanged".

        Raises ``ValueError`` when no field is given, :class:`NotFoundError`,
        :class:`LockedError`.
        """
        body = require_some(
            {
                "description": description,
                "completed": completed,
                "due_at": None if due_at is None else wire_datetime(due_at, "due_at"),
            },
            "action_items.update",
        )
        call = Call("PATCH", _ONE, path_params={"action_item_id": action_item_id}, body=body)
        return self._http.execute(call, parse_action_item)

    def probe(self, action_item_id: str) -> None:
        """Check that the item exists and is readable, changing nothing.

        Omi has no GET for one action item, and listings hide locked items. This sends a PATCH
        with an empty body: the backend looks the item up before it validates the body, so an
        existing item answers 422 ("At least one field must be provided") and nothing — not
        even ``updated_at`` — is written. Returns normally when the item exists; raises
        :class:`NotFoundError` when it is gone, :class:`LockedError` when it is locked, and the
        usual errors when Omi cannot be asked.
        """
        call = Call("PATCH", _ONE, path_params={"action_item_id": action_item_id}, body={})
        try:
            self._http.execute(call, parse_action_item)
        except ValidationError as error:
            if error.status_code != 422:
                raise

    def delete(self, action_item_id: str) -> None:
        """Delete the item for good. Raises :class:`NotFoundError`, :class:`LockedError`."""
        call = Call("DELETE", _ONE, path_params={"action_item_id": action_item_id}, gone_ok=True)
        self._http.execute(call, parse_success)
