"""``client.memories``: list, create (one or in batches), update and delete Omi memories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from omisync.omi._batch import create_in_chunks
from omisync.omi._http import Call, HttpCore
from omisync.omi._models import Memory, NewMemory
from omisync.omi._paging import Pager, Scan
from omisync.omi._parse import Noun, parse_batch, parse_list, parse_memory, parse_success
from omisync.omi._wire import require_some, wire_categories, without_none

#: The largest page the server returns (it clamps silently above this).
PAGE_MAX = 1000
#: The most memories one batch request may carry.
BATCH_MAX = 25

_ROUTE = "user/memories"
_ONE = "user/memories/{memory_id}"
_NOUN = Noun("memory", "memories")


def _new_memory_body(memory: NewMemory) -> dict[str, object]:
    return without_none(
        {
            "content": memory.content,
            "category": memory.category,
            "visibility": memory.visibility,
            "tags": list(memory.tags),
        }
    )


class Memories:
    """Omi memories. A memory's id derives from its content, so creating the same content
    again returns the same memory: creates are retried safely. There is no get-by-id."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def iter(
        self, *, categories: Iterable[str] | None = None, page_size: int = PAGE_MAX
    ) -> Pager[Memory]:
        """A lazy listing (ordered by Omi's scoring, then newest first), optionally only the
        given ``categories``; ``page_size`` above :data:`PAGE_MAX` is capped to it. See
        :class:`Pager`."""
        filter_ = wire_categories(categories)

        def fetch(offset: int, limit: int) -> list[Memory]:
            call = Call(
                "GET",
                _ROUTE,
                params={"limit": limit, "offset": offset, "categories": filter_},
            )
            return self._http.execute(call, partial(parse_list, parse=parse_memory, noun=_NOUN))

        return Pager(fetch, page_size, page_max=PAGE_MAX, filtered=filter_ is not None)

    def scan(
        self, *, categories: Iterable[str] | None = None, page_size: int = PAGE_MAX
    ) -> Scan[Memory]:
        """Every memory (of ``categories``), read to the end; raises on any failed page."""
        return self.iter(categories=categories, page_size=page_size).collect()

    def create(
        self,
        content: str,
        *,
        category: str | None = None,
        visibility: str = "private",
        tags: Sequence[str] = (),
    ) -> Memory:
        """Create one memory (``category`` None: Omi picks one). Returns it as stored."""
        memory = NewMemory(content, category, visibility, tuple(tags))
        call = Call("POST", _ROUTE, body=_new_memory_body(memory), idempotent=True)
        return self._http.execute(call, parse_memory)

    def create_batch(self, memories: Sequence[NewMemory]) -> list[Memory]:
        """Create ``memories``, :data:`BATCH_MAX` per request; returns them in input order.

        Every memory is turned into its request body before the first request, so a bad one
        creates nothing. Raises :class:`PartialBatchError` when a later chunk fails after
        earlier ones.
        """
        bodies = [_new_memory_body(memory) for memory in memories]

        def send(chunk: Sequence[dict[str, object]]) -> list[Memory]:
            call = Call("POST", f"{_ROUTE}/batch", body={"memories": chunk}, idempotent=True)
            parse = partial(
                parse_batch, key="memories", parse=parse_memory, noun=_NOUN, expected=len(chunk)
            )
            return self._http.execute(call, parse)

        return create_in_chunks(bodies, BATCH_MAX, send, _NOUN)

    def update(
        self,
        memory_id: str,
        *,
        content: str | None = None,
        visibility: str | None = None,
        tags: Sequence[str] | None = None,
        category: str | None = None,
    ) -> Memory:
        """Change the given fields (the id stays, even for new content); returns the memory.

        Raises ``ValueError`` when no field is given, :class:`NotFoundError`,
        :class:`LockedError`.
        """
        body = require_some(
            {
                "content": content,
                "visibility": visibility,
                "tags": None if tags is None else list(tags),
                "category": category,
            },
            "memories.update",
        )
        call = Call("PATCH", _ONE, path_params={"memory_id": memory_id}, body=body)
        return self._http.execute(call, parse_memory)

    def delete(self, memory_id: str) -> None:
        """Delete the memory for good. Raises :class:`NotFoundError`, :class:`LockedError`."""
        call = Call("DELETE", _ONE, path_params={"memory_id": memory_id}, gone_ok=True)
        self._http.execute(call, parse_success)
