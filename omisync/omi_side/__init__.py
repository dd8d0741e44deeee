"""Omi as one side of a sync: tasks are Omi action items, notes are Omi memories.

::

    with OmiClient(api_key=...) as client:
        omi = OmiSide(client, timezone="Europe/Lisbon")
        snapshot = omi.snapshot(Kind.TASK)

:class:`OmiSide` implements :class:`omisync.sync.side.Side` on top of the Omi client
(:mod:`omisync.omi`). Modules: ``tasks`` and ``notes`` (the mapping of each kind), ``writes``
(batch creates, per-item writes), ``listing`` (the latest full listing), ``probe`` (telling a
deleted action item from a locked one), ``errors`` (client errors → side errors).
"""

from omisync.omi_side.errors import NEEDED_SCOPES, SIDE_NAME
from omisync.omi_side.side import OmiSide
from omisync.omi_side.writes import TEXT_LIMIT

__all__ = ["NEEDED_SCOPES", "SIDE_NAME", "TEXT_LIMIT", "OmiSide"]
