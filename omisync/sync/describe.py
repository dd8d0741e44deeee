"""A plan in words, for ``omisync run --once --dry-run`` and the logs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omisync.sync.side import Role
from omisync.wording import deletion_note

if TYPE_CHECKING:
    from omisync.sync.actions import Conflict, Plan, Refusal

__all__ = ["conflict_line", "describe_plan", "named", "quote", "refusal_lines"]

#: How many places a line lists before it says "…".
_PLACES_SHOWN = 3

_LABEL_WIDTH = 60


def quote(text: str, width: int = _LABEL_WIDTH) -> str:
    """Return ``text`` on one line, shortened to ``width`` characters, in double quotes."""
    line = " ".join(text.split())
    if len(line) > width:
        line = line[: width - 1] + "…"
    return json.dumps(line, ensure_ascii=False)


def named(text: str, where: str | None) -> str:
    """An item as the user knows it: its quoted text, then its place when a side gave one,
    e.g. ``"Buy milk" (Journal/2026-12-05.md:14)``."""
    label = quote(text)
    return f"{label} ({where})" if where else label


def _label(projection: dict[str, Any], where: str | None = None) -> str:
    return named(str(projection.get("text", "")), where)


def refusal_lines(refusals: Sequence[Refusal]) -> list[str]:
    """Say refusals, one line per distinct reason, each led by the place of its item:
    ``Omi/Memories/Long.md: "…" in vault is 612 characters; …``. A reason many items share (a
    held-back mass deletion) is said once: ``3 items (a.md, b.md, c.md): …``."""
    groups: dict[str, list[Refusal]] = {}
    for refusal in refusals:
        groups.setdefault(refusal.reason, []).append(refusal)
    lines = []
    for reason, group in groups.items():
        places = [refusal.where for refusal in group if refusal.where]
        if len(group) == 1:
            lines.append(f"{places[0]}: {reason}" if places else reason)
            continue
        shown = ", ".join(places[:_PLACES_SHOWN]) + (", …" if len(places) > _PLACES_SHOWN else "")
        lines.append(f"{len(group)} items ({shown}): {reason}" if places else reason)
    return lines


def conflict_line(conflict: Conflict, peer: str) -> str:
    """Say a conflict: the item, the field, both values, and who won or how to settle it."""
    outcome = (
        f"{'Omi' if conflict.winner is Role.OMI else peer} wins"
        if conflict.winner is not None
        else "parked: edit one side to match the other, or set a conflict policy"
    )
    return (
        f"conflict {named(conflict.label, conflict.where)} field {conflict.field}: "
        f"Omi {_value(conflict.omi_value)} vs {peer} {_value(conflict.peer_value)} → {outcome}"
    )


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fields(fields: dict[str, Any]) -> str:
    return ", ".join(f"{name} → {_value(value)}" for name, value in sorted(fields.items()))


def describe_plan(plan: Plan, *, verbose: bool = True) -> str:
    """Return a summary line and (if ``verbose``) one line per action, conflict and refusal.

    Omi is called "Omi" and the peer by its connector name; nothing secret is ever printed.
    """
    names = {Role.OMI: "Omi", Role.PEER: plan.connector}
    width = max(len(name) for name in names.values())

    def side(role: Role) -> str:
        return names[role].ljust(width)

    summary = Counter[str]()
    lines: list[str] = []
    for create in plan.creates:
        summary[f"create in {names[create.target]}"] += 1
        why = " (recreated: edited after deletion)" if create.replaces is not None else ""
        due = f" due {create.fields['due']}" if create.fields.get("due") else ""
        label = _label(create.fields, create.where)
        lines.append(f"  + {side(create.target)} create  {label}{due}{why}")
    for update in plan.updates:
        for role, fields, now in (
            (Role.OMI, update.to_omi, update.omi_now),
            (Role.PEER, update.to_peer, update.peer_now),
        ):
            if fields:
                summary[f"update in {names[role]}"] += 1
                label = _label(now, update.where)
                lines.append(f"  ~ {side(role)} update  {label}: {_fields(fields)}")
    for delete in plan.deletes:
        summary[f"{delete.mode} in {names[delete.target]}"] += 1
        lines.append(f"  - {side(delete.target)} {delete.mode}  {_label(delete.now, delete.where)}")
    for keep in plan.kept:
        summary[f"keep in {names[keep.survivor]}"] += 1
        why = deletion_note(keep.reason, names[keep.survivor.other])
        lines.append(f"  · {side(keep.survivor)} keep    {_label(keep.now, keep.where)}: {why}")
    for link in plan.matches:
        summary["link existing pair"] += 1
        lines.append(f"  = {'both'.ljust(width)} link    {_label(link.omi_base)}")
    if plan.forgets:
        summary["forget (deleted on both sides)"] += len(plan.forgets)
    for conflict in plan.conflicts:
        summary["conflict"] += 1
        lines.append(f"  ! {conflict_line(conflict, plan.connector)}")
    if plan.refusals:
        summary["refused"] += len(plan.refusals)
        lines.extend(f"  ✗ refused {line}" for line in refusal_lines(plan.refusals))
    lines.extend(f"  note: {notice}" for notice in plan.notices)

    kinds = f"{plan.kind}s ⇄ {plan.connector}"
    if not summary and not plan.notices:
        return f"{kinds}: nothing to do"
    head = ", ".join(f"{count} {what}" for what, count in summary.items()) or "no changes"
    return "\n".join([f"{kinds}: {head}", *lines]) if verbose else f"{kinds}: {head}"
