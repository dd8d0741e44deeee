"""The latest full listing of one Omi record kind, kept so verify and find_created need no rescan.

A sync run lists a kind (``snapshot``), then asks about ids that listing lacked (``verify``) and
looks for items an interrupted run created (``find_created``). Both read the listing the
snapshot just took. Any write through the side makes it stale, so the next reader lists again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from omisync.omi import OmiError, Scan
from omisync.omi_side.errors import SIDE_NAME, side_error
from omisync.sync.side import ListingError


class _Record(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Record)


class Listing(Generic[R]):
    """Lists one kind through ``scan`` (a client ``.scan`` method) and remembers the answer.

    ``noun`` names the records in messages (``"action items"``).
    """

    def __init__(self, scan: Callable[[], Scan[R]], noun: str) -> None:
        self._scan = scan
        self.noun = noun
        self._latest: Scan[R] | None = None

    def fresh(self) -> Scan[R]:
        """List everything now (every page, to an empty one) and remember it.

        Raises :class:`~omisync.sync.side.ListingError`, ``TransientError`` or ``AccessError``
        when any page fails; never returns a partial answer for a failure.
        """
        try:
            self._latest = self._scan()
        except OmiError as error:
            raise side_error(error, f"listing Omi {self.noun}", listing=True) from error
        return self._latest

    def latest(self) -> Scan[R]:
        """Return the remembered listing, or list now when there is none or it went stale."""
        return self._latest if self._latest is not None else self.fresh()

    def full(self, purpose: str) -> Scan[R]:
        """Return :meth:`latest`, insisting that it lists every record (complete, unfiltered).

        Raises :class:`~omisync.sync.side.ListingError` naming ``purpose`` otherwise.
        """
        scan = self.latest()
        if not scan.is_full_listing:
            raise ListingError(
                f"{purpose} failed: the listing of Omi {self.noun} was not complete; nothing is "
                "concluded from it",
                side=SIDE_NAME,
            )
        return scan

    def by_id(self) -> dict[str, R]:
        """Return the records of :meth:`latest` by id."""
        return {record.id: record for record in self.latest()}

    def invalidate(self) -> None:
        """Forget the remembered listing (call after any write)."""
        self._latest = None
