"""How omisync says its counts to a person, so ``run`` and ``status`` speak alike."""

from __future__ import annotations

_WRITE_VERBS = ("created", "updated", "deleted", "completed")

_OTHER_COUNTS = {
    "linked": "linked",
    "reconciled": "recovered from an interrupted run",
    "failed": "failed (retried next run)",
    "conflicts": "conflict(s)",
    "refused": "refused",
}


def count_phrase(key: str, count: int, peer: str) -> str:
    """Say a report count: ``("created_omi", 3, "vault")`` → ``"3 created in Omi"``,
    ``("updated_peer", 1, "vault")`` → ``"1 updated in vault"``, ``("linked", 2, …)`` →
    ``"2 linked"``; an unknown key is said as it is."""
    verb, _, target = key.partition("_")
    if verb in _WRITE_VERBS and target in ("omi", "peer"):
        where = "Omi" if target == "omi" else peer
        return f"{count} {verb} in {where}"
    return f"{count} {_OTHER_COUNTS.get(key, key)}"
