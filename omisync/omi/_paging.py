"""Paging through Omi's offset/limit listings until the end is confirmed.

Omi's pages come back short before the end (locked or malformed rows are dropped after the
page is cut; limits are clamped silently), so a short page never ends a scan. Even an empty
page does not prove the end: a window made entirely of locked action items comes back empty
although visible rows follow. So an empty page at ``offset`` is followed by one look-ahead
page at ``offset + page_size`` (just past the window the empty page covered); only when that
is empty too does the scan end, otherwise it goes on from the look-ahead. A scan therefore
costs one request more than its pages of rows, and a run of ``2 * page_size`` hidden rows
still ends it.

The next offset moves by the rows actually received, so a server that clamps harder than
expected costs extra requests, never skipped rows. Across an empty window the look-ahead
skips one window, which must not be wider than what the server really serves: Omi clamps
``limit`` silently (memories and action items at 1000, conversations at 100, 25 with
transcripts), so a pager never asks for more than its resource's ``page_max`` and a larger
``page_size`` is capped to it. Rows seen twice are dropped by id.
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

    ``complete`` is True when the scan ran to its confirmed end: an empty page followed by an
    empty look-ahead page (see the module docstring; a failed scan raises instead of
    returning). ``filtered`` is True when a filter narrowed it: it then holds every record
    *matching the filter*, which proves nothing about records outside it. ``requests`` counts
    the pages fetched, the look-ahead included.
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

    ``page_size`` is capped at ``page_max``, the most rows the server serves per page (the
    effective size is :attr:`page_size`). An empty page ends the iteration only when the
    look-ahead page one window further on is empty too; if that one has rows, paging goes on
    from there (see the module docstring).
    After the iteration ends, :attr:`complete` says whether it reached that confirmed end
    (False if the caller stopped early). Each new iteration starts a new scan. :meth:`collect` reads
    everything into a :class:`Scan`. Errors of a page fetch propagate.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        page_size: int,
        *,
        page_max: int,
        keep: Callable[[T], bool] | None = None,
        filtered: bool = False,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be >= 1, got {page_size}")
        self._fetch = fetch
        self.page_size = min(page_size, page_max)
        self._keep = keep
        self.filtered = filtered or keep is not None
        self.complete = False
        self.requests = 0

    def __iter__(self) -> Iterator[T]:
        self.complete = False
        self.requests = 0
        seen: set[str] = set()
        offset = 0
        looking_ahead = False
        while True:
            page = self._fetch(offset, self.page_size)
            self.requests += 1
            if page:
                looking_ahead = False
                offset += len(page)
                yield from self._new_records(page, seen)
            elif looking_ahead:
                self.complete = True
                return
            else:
                looking_ahead = True
                offset += self.page_size

    def _new_records(self, page: list[T], seen: set[str]) -> Iterator[T]:
        """The records of ``page`` not in ``seen`` that pass ``keep``; adds them to ``seen``."""
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
