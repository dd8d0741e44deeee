"""Creating many records through a batch endpoint, a chunk per request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from omisync.omi._errors import OmiError, PartialBatchError
from omisync.omi._parse import Noun

N = TypeVar("N")
R = TypeVar("R")


def create_in_chunks(
    items: Sequence[N], chunk_size: int, send: Callable[[Sequence[N]], list[R]], noun: Noun
) -> list[R]:
    """Send ``items`` in chunks of ``chunk_size`` through ``send``; return all created records
    in input order.

    A failing first chunk raises its own :class:`OmiError`; a failure after some chunks went
    through raises :class:`PartialBatchError` holding what was created (cause chained).
    """
    created: list[R] = []
    for start in range(0, len(items), chunk_size):
        try:
            created.extend(send(items[start : start + chunk_size]))
        except OmiError as error:
            if not created:
                raise
            raise PartialBatchError(
                f"{len(created)} of {len(items)} {noun.many} were created, then "
                f"{error.summary}: {error.message}",
                created=tuple(created),
                failed_at=start,
                method=error.method,
                path=error.path,
                status_code=error.status_code,
            ) from error
    return created
