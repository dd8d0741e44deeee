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

The client's public ``update`` refuses an empty body (it would be a no-op for any other
caller), so the request goes through the client's request core. It keeps the client's rate
limiting, retries, error mapping and secret scrubbing. A public ``ActionItems.probe`` would
be the better home for this call.
"""

from __future__ import annotations

from omisync.omi import LockedError, NotFoundError, OmiClient, ValidationError
from omisync.omi._http import Call
from omisync.omi._parse import parse_action_item
from omisync.sync.side import Presence

__all__ = ["probe_action_item"]

_ONE_ACTION_ITEM = "user/action-items/{action_item_id}"


def probe_action_item(client: OmiClient, action_item_id: str) -> Presence:
    """Return whether the action item exists, is locked or is gone, without changing it.

    Raises the client's :class:`~omisync.omi.OmiError` for any other answer (network, 5xx,
    401/403, 429 ...): then nothing can be concluded.
    """
    call = Call("PATCH", _ONE_ACTION_ITEM, path_params={"action_item_id": action_item_id}, body={})
    try:
        client._http.execute(call, parse_action_item)
    except NotFoundError:
        return Presence.GONE
    except LockedError:
        return Presence.LOCKED
    except ValidationError as error:
        if error.status_code != 422:
            raise
    return Presence.PRESENT
