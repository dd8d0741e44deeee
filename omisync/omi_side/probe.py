"""Asking Omi whether an action item missing from a listing is gone or locked, changing nothing.

Omi has no GET for one action item, and its listings hide locked items, so an item missing
from a complete listing may be deleted *or* locked. The probe is a ``PATCH`` with an **empty
body**. The backend looks the item up before it validates the body, so the answer is:

- 404 ``Action item not found`` → :attr:`Presence.GONE`;
- 402 ``A paid plan is required ...`` → :attr:`Presence.LOCKED`;
- 422 ``At least one field must be provided`` → :attr:`Presence.PRESENT` (it exists, unlocked).

Nothing is written in any case: no field, not even ``updated_at``, changes, and no push
notification is sent (those follow a ``due_at`` change only). A server that validated the body
first would answer 422 for every id; that reads as PRESENT, the safe answer (nothing is
deleted on its strength).

The request is the client's :meth:`omisync.omi.ActionItems.probe`.
"""

from __future__ import annotations

from omisync.omi import LockedError, NotFoundError, OmiClient
from omisync.sync.side import Presence

__all__ = ["probe_action_item"]


def probe_action_item(client: OmiClient, action_item_id: str) -> Presence:
    """Return whether the action item exists, is locked or is gone, without changing it.

    Raises the client's :class:`~omisync.omi.OmiError` for any other answer (network, 5xx,
    401/403, 429 ...): then nothing can be concluded.
    """
    try:
        client.action_items.probe(action_item_id)
    except NotFoundError:
        return Presence.GONE
    except LockedError:
        return Presence.LOCKED
    return Presence.PRESENT
