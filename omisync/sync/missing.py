"""Asking a side about linked items its complete listing did not show, at a bounded cost.

A linked item missing from a complete listing may be deleted (then its partner is deleted or
completed) or only hidden: Omi hides locked action items, and asks one request per id to
tell them apart (:mod:`omisync.omi_side.probe`). When a subscription lapses every item is
locked at once, and asking about each would spend thousands of requests of a 10,000-a-day
budget only for the deletions to be held back by ``max_delete`` anyway.

So when more items are missing than ``max_delete`` lets the run delete (and the user did not
confirm deletions), :func:`check_missing` asks in small steps and stops as soon as the answer
cannot lead to a deletion: once more of them are gone than may be deleted (the guard would hold
them all back), or once :data:`UNSURE_SAMPLE` of them turn out not to be gone (locked, or
present). It never asks about more than ``allowed + UNSURE_SAMPLE`` ids then. From a check
cut short nothing missing is taken as deleted, not even those found gone: acting on some of
them would spread a deletion ``max_delete`` holds back over several runs (and each run would
find a few more). :meth:`Checked.explain` says why, and how to go on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omisync.sync.links import Kind
from omisync.sync.side import Presence, Side

__all__ = ["UNSURE_SAMPLE", "Checked", "check_missing"]

#: How many missing items found not gone (locked or present) end an early-stopping check.
UNSURE_SAMPLE = 10


@dataclass(frozen=True, slots=True)
class Checked:
    """What a side said about the ``missing`` ids it was asked about (``answers``, by id),
    when the answers may lead to at most ``allowed`` deletions (``None``: no limit)."""

    missing: int
    answers: Mapping[str, Presence]
    allowed: int | None = None

    @property
    def complete(self) -> bool:
        """Whether every missing id was asked about (else nothing is known of the others)."""
        return len(self.answers) == self.missing

    @property
    def gone(self) -> frozenset[str]:
        """The ids the side positively said are deleted."""
        return frozenset(i for i, seen in self.answers.items() if seen is Presence.GONE)

    @property
    def too_many_gone(self) -> bool:
        """Whether more are gone than may be deleted (then the guard would hold back every
        deletion they lead to, whatever the unchecked ones are)."""
        return self.allowed is not None and len(self.gone) > self.allowed

    def explain(self, kind: Kind, side: str, other: str, budget: str) -> str:
        """Why an incomplete check takes nothing as deleted, and how to go on, for the user.

        ``side`` names the side the items are missing from, ``other`` the side of their
        partners, ``budget`` what ``max_delete`` allows (:meth:`DeleteBudget.explain`).
        """
        head = f"{self.missing} linked {kind}s are missing from {side}'s listing"
        limit = f"more than max_delete allows deleting in {other} ({budget})"
        confirm = (
            "Check that those deletions were intended, then run again with --confirm-deletes "
            "(or raise max_delete in the config)"
        )
        if self.too_many_gone:
            return (
                f"{head} and at least {len(self.gone)} of them are deleted there, {limit}; the "
                f"others were not checked (a request each) and none is deleted in {other}. "
                f"{confirm}"
            )
        found = Counter(self.answers.values())
        said = ", ".join(
            f"{found[seen]} {words}"
            for seen, words in (
                (Presence.LOCKED, "locked (hidden from listings, e.g. by a lapsed paid plan)"),
                (Presence.PRESENT, "still there"),
                (Presence.GONE, "deleted"),
            )
            if found[seen]
        )
        return (
            f"{head}, {limit}; of the first {len(self.answers)} checked, {said}, so the others "
            f"were not checked (a request each) and none is taken as deleted. Locked items "
            f"sync again once {side} shows them; if {kind}s were deleted on purpose, run again "
            "with --confirm-deletes"
        )


def check_missing(
    side: Side, kind: Kind, missing: Sequence[str], *, allowed: int | None
) -> Checked:
    """Ask ``side`` whether each of the ``missing`` ids of ``kind`` is gone, locked or present.

    ``allowed`` is how many deletions the answers may still lead to in the run; ``None``
    means no limit (deletions confirmed, or no more missing than allowed): then every id is
    asked about in one call. Otherwise the ids are asked about in steps that never overshoot
    a stop: more than ``allowed`` gone, or :data:`UNSURE_SAMPLE` not gone. Raises the side's
    :class:`~omisync.sync.side.SideError` when it cannot tell.
    """
    if allowed is None:
        return Checked(len(missing), _ask(side, kind, missing))
    answers: dict[str, Presence] = {}
    gone = unsure = 0
    while len(answers) < len(missing) and gone <= allowed and unsure < UNSURE_SAMPLE:
        step = min(allowed + 1 - gone, UNSURE_SAMPLE - unsure)
        answers.update(_ask(side, kind, missing[len(answers) : len(answers) + step]))
        gone = sum(seen is Presence.GONE for seen in answers.values())
        unsure = len(answers) - gone
    return Checked(len(missing), answers, allowed)


def _ask(side: Side, kind: Kind, item_ids: Sequence[str]) -> dict[str, Presence]:
    """The side's answer for each id; an id it left out is not known to be gone (PRESENT)."""
    said = side.verify(kind, item_ids)
    return {item_id: said.get(item_id, Presence.PRESENT) for item_id in item_ids}
