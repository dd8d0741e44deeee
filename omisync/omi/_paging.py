"""Paging through Omi's offset/limit listings until an empty page.

Omi's pages come back short before the end (locked or malformed rows are dropped after the
page is cut; limits are clamped silently), so only an *empty* page ends a scan. The next
offset moves by the rows actually received, so a server that clamps harder than expected
costs extra requests, never skipped rows; rows seen twice are dropped by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)

FetchPage = Callable[[int, int], list[T]]
"""``fetch(offset, limit)`` returns one page of records; raises on failure."""


@dataclass(frozen=True, slots=True)
class Scan(Generic[T]):
    """The result of reading a whole listing.

    ``complete`` is True when the scan ran to an empty page (a failed scan raises instead of
    returning). ``filtered`` is True when a filter narrowed it: it then holds every record
    *matching the filter*, which proves nothing about records outside it. ``requests`` counts
    the pages fetched.
    """

    items: tuple[T, ...]
    complete: bool
    filtered: bool
    requests: int

    @property
    def is_full_listing(self) -> bool:
        """True when a record missing from ``items`` is not in the listing at all (complete and
        unfiltered). Locked action items are never listed, so absence alone still does not
        prove an action item was deleted."""
        return self.complete and not self.filtered

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Pager(Generic[T]):
    """A lazy listing: iterate it to page through the endpoint, one page per request.

    After the iteration ends, :attr:`complete` says whether it reached an empty page (False if
    the caller stopped early). Each new iteration starts a new scan. :meth:`collect` reads
    everything into a :class:`Scan`. Errors of a page fetch propagate.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        page_size: int,
        *,
        keep: Callable[[T], bool] | None = None,
        filtered: bool = False,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be >= 1, got {page_size}")
        self._fetch = fetch
        self.page_size = page_size
        self._keep = keep
        self.filtered = filtered or keep is not None
        self.complete = False
        self.requests = 0

    def __iter__(self) -> Iterator[T]:
        self.complete = False
        self.requests = 0
        seen: set[str] = set()
        offset = 0
        while True:
            page = self._fetch(offset, self.page_size)
            self.requests += 1
            if not page:
                self.complete = True
                return
            offset += len(page)
            for record in page:
                if record.id in seen:
                    continue
                seen.add(record.id)
                if self._keep is None or self._keep(record):
                    yield record

    def collect(self) -> Scan[T]:
        """Read the whole listing; raises what a page fetch raises."""
        items = tuple(self)
        return Scan(items, self.complete, self.filtered, self.requests)
