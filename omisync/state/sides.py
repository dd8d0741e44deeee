"""Which side of a link a record is about."""

from enum import StrEnum


class SideName(StrEnum):
    """The Omi side or the peer (connector) side of a sync."""

    OMI = "omi"
    PEER = "peer"
