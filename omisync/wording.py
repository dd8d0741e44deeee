"""How omisync says its counts to a person, so ``run`` and ``status`` speak alike."""

from __future__ import annotations

_WRITE_VERBS = ("created", "updated", "deleted")

#: What became of items whose linked item was deleted on the other side (besides a plain
#: delete), by count verb: what was done, and why (``{there}``: the side of the deletion).
_AFTER_DELETION = {
    "completed": ("completed", "on_delete: complete"),
    "ignored": ("kept", "on_delete: ignore"),
    "kept": ("kept", "on_delete: complete keeps notes and done tasks"),
    "oneway": ("kept", "this kind syncs one way, into {there}"),
}

_OTHER_COUNTS = {
    "linked": "linked",
    "reconciled": "recovered from an interrupted run",
    "failed": "failed (retried next run)",
    "conflicts": "conflict(s)",
    "refused": "refused",
}


def deletion_note(verb: str, there: str) -> str:
    """Why an item whose linked item was deleted in ``there`` was completed or kept (``verb``
    is a count verb: completed, ignored, kept, oneway): ``"deleted in vault; on_delete:
    ignore"``."""
    why = _AFTER_DELETION[verb][1].format(there=there)
    return f"deleted in {there}; {why}"


def count_phrase(key: str, count: int, peer: str) -> str:
    """Say a report count: ``("created_omi", 3, "vault")`` → ``"3 created in Omi"``,
    ``("ignored_peer", 1, "vault")`` → ``"1 kept in vault (deleted in Omi; on_delete:
    ignore)"``, ``("linked", 2, …)`` → ``"2 linked"``; an unknown key is said as it is."""
    verb, _, target = key.partition("_")
    if target in ("omi", "peer"):
        here, there = ("Omi", peer) if target == "omi" else (peer, "Omi")
        if verb in _WRITE_VERBS:
            return f"{count} {verb} in {here}"
        if verb in _AFTER_DELETION:
            done = _AFTER_DELETION[verb][0]
            return f"{count} {done} in {here} ({deletion_note(verb, there)})"
    return f"{count} {_OTHER_COUNTS.get(key, key)}"
