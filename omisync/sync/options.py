"""Sync options: which way each kind flows, who wins a conflict, what a deletion does.

:class:`SyncOptions` is what :func:`omisync.sync.plan` reads. The config builds it
(:meth:`omisync.config.ConnectorSettings.sync_options`); a value out of range raises
:class:`OptionsError` naming the option.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omisync.sync.links import Kind
from omisync.sync.side import Role

__all__ = [
    "ConflictPolicy",
    "DeleteBudget",
    "DeletePolicy",
    "Direction",
    "KindOptions",
    "MaxDelete",
    "OptionsError",
    "SyncOptions",
]


class OptionsError(ValueError):
    """A sync option is invalid; the message names the option and the values it accepts."""


class Direction(StrEnum):
    """Which way one kind flows between Omi and the peer."""

    BOTH = "both"
    """Changes flow both ways."""
    TO_OMI = "to_omi"
    """Peer → Omi only: the peer is the source; Omi-side edits are not sent to the peer."""
    FROM_OMI = "from_omi"
    """Omi → peer only: Omi is the source; peer-side edits are not sent to Omi."""
    OFF = "off"
    """The kind does not sync."""

    @property
    def writes_omi(self) -> bool:
        """Whether this direction ever writes to Omi."""
        return self in (Direction.BOTH, Direction.TO_OMI)

    @property
    def writes_peer(self) -> bool:
        """Whether this direction ever writes to the peer."""
        return self in (Direction.BOTH, Direction.FROM_OMI)


class ConflictPolicy(StrEnum):
    """Who wins when the same field changed to different values on both sides."""

    OMI = "omi"
    PEER = "peer"
    NEWEST = "newest"
    """The side whose item changed last; when a side does not say, the pair is parked."""
    MANUAL = "manual"
    """Park the pair as a conflict (nothing written) and report it until the sides agree."""


class DeletePolicy(StrEnum):
    """What happens to an item when its linked item is deleted on the other side."""

    DELETE = "delete"
    COMPLETE = "complete"
    """Mark the task done instead (for notes, which cannot be done, this keeps the note)."""
    IGNORE = "ignore"
    """Keep the item as it is."""


@dataclass(frozen=True, slots=True)
class MaxDelete:
    """The most items one run of a connector may delete (or complete) on one side without
    confirmation, all kinds together.

    A run may delete at most ``count`` items and at most ``percent`` % of its linked items
    (tasks and notes together; rounded up, so one of one may go); more than that on a side and
    every deletion there is held back (see :class:`DeleteBudget`).
    """

    count: int = 25
    percent: float = 50.0

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise OptionsError(
                f"max_delete.count: expected a whole number >= 0, got {self.count!r}"
            )
        if isinstance(self.percent, bool) or not isinstance(self.percent, int | float):
            raise OptionsError(f"max_delete.percent: expected a number, got {self.percent!r}")
        if not 0 <= self.percent <= 100:
            raise OptionsError(f"max_delete.percent: expected 0 to 100, got {self.percent!r}")

    def allowed(self, linked: int) -> int:
        """Return how many deletions a side may take in one run when ``linked`` items are linked."""
        return min(self.count, math.ceil(linked * self.percent / 100))


@dataclass(frozen=True, slots=True)
class DeleteBudget:
    """What ``max_delete`` still allows on each side in one connector run, which syncs its
    kinds one after the other.

    ``linked`` counts the links of every kind the run syncs (the base of the percent);
    ``used`` the deletions (or completions) the run's earlier kinds planned on each side.
    """

    limit: MaxDelete
    linked: int
    used: Mapping[Role, int] = field(default_factory=dict)

    @property
    def allowed(self) -> int:
        """How many deletions the whole run may make on one side."""
        return self.limit.allowed(self.linked)

    def left(self, role: Role) -> int:
        """How many deletions ``role``'s side may still take in this run."""
        return max(0, self.allowed - self.used.get(role, 0))

    def spend(self, role: Role, count: int) -> DeleteBudget:
        """This budget after ``count`` more deletions were planned on ``role``'s side."""
        return DeleteBudget(
            self.limit, self.linked, {**self.used, role: self.used.get(role, 0) + count}
        )

    def explain(self, role: Role) -> str:
        """The budget in words, e.g. ``25 of 60 linked items per run: count 25, 50%``."""
        used = self.used.get(role, 0)
        earlier = f"; {used} already planned by the run's other kinds" if used else ""
        return (
            f"{self.allowed} of {self.linked} linked items per run: count {self.limit.count}, "
            f"{self.limit.percent:g}%{earlier}"
        )


@dataclass(frozen=True, slots=True)
class KindOptions:
    """The options of one kind (tasks or notes).

    ``create_completed`` decides whether an unlinked item that is already done is copied to the
    other side (off by default: old finished tasks are history, not work).
    """

    direction: Direction = Direction.BOTH
    conflict: ConflictPolicy = ConflictPolicy.MANUAL
    on_delete: DeletePolicy = DeletePolicy.COMPLETE
    create_completed: bool = False


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """Everything :func:`omisync.sync.plan` needs to decide.

    - ``tasks`` / ``notes``: per-kind options.
    - ``max_delete``: the deletion budget per side and connector run (all kinds together).
    - ``confirm_deletes``: the user confirmed this run's deletions (``--confirm-deletes``);
      the budget is lifted.
    - ``timezone``: IANA zone in which a due's calendar day is read when matching items
      (the same zone the Omi side uses for date-only dues).
    """

    tasks: KindOptions = field(default_factory=KindOptions)
    notes: KindOptions = field(default_factory=KindOptions)
    max_delete: MaxDelete = field(default_factory=MaxDelete)
    confirm_deletes: bool = False
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise OptionsError(
                f"timezone: {self.timezone!r} is not a known IANA time zone (e.g. Europe/Berlin)"
            ) from None

    @property
    def zone(self) -> ZoneInfo:
        """The :class:`ZoneInfo` of ``timezone``."""
        return ZoneInfo(self.timezone)

    def for_kind(self, kind: Kind) -> KindOptions:
        """Return the options of ``kind``."""
        return self.tasks if kind is Kind.TASK else self.notes
