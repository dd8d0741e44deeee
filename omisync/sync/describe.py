"""A plan in words, for ``omisync run --once --dry-run`` and the logs."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from omisync.sync.side import Role

if TYPE_CHECKING:
    from omisync.sync.actions import Plan

__all__ = ["describe_plan", "quote"]

_LABEL_WIDTH = 60


def quote(text: str, width: int = _LABEL_WIDTH) -> str:
    """Return ``text`` on one line, shortened to ``width`` characters, in double quotes."""
    line = " ".join(text.split())
    if len(line) > width:
        line = line[: width - 1] + "…"
    return json.dumps(line, ensure_ascii=False)


def _label(projection: dict[str, Any]) -> str:
    return quote(str(projection.get("text", "")))


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
        lines.append(f"  + {side(create.target)} create  {_label(create.fields)}{due}{why}")
    for update in plan.updates:
        for role, fields, now in (
            (Role.OMI, update.to_omi, update.omi_now),
            (Role.PEER, update.to_peer, update.peer_now),
        ):
            if fields:
                summary[f"update in {names[role]}"] += 1
                lines.append(f"  ~ {side(role)} update  {_label(now)}: {_fields(fields)}")
    for delete in plan.deletes:
        summary[f"{delete.mode} in {names[delete.target]}"] += 1
        lines.append(f"  - {side(delete.target)} {delete.mode}  {_label(delete.now)}")
    for link in plan.matches:
        summary["link existing pair"] += 1
        lines.append(f"  = {'both'.ljust(width)} link    {_label(link.omi_base)}")
    if plan.forgets:
        summary["forget (deleted on both sides)"] += len(plan.forgets)
    for conflict in plan.conflicts:
        summary["conflict"] += 1
        outcome = (
            f"{names[conflict.winner]} wins"
            if conflict.winner is not None
            else "parked: edit one side to match the other, or set a conflict policy"
        )
        lines.append(
            f"  ! conflict {quote(conflict.label)} field {conflict.field}: "
            f"Omi {_value(conflict.omi_value)} vs {plan.connector} "
            f"{_value(conflict.peer_value)} → {outcome}"
        )
    reasons = Counter(refusal.reason for refusal in plan.refusals)
    for reason, count in reasons.items():
        summary["refused"] += count
        lines.append(f"  ✗ refused {count} item(s): {reason}")
    lines.extend(f"  note: {notice}" for notice in plan.notices)

    kinds = f"{plan.kind}s ⇄ {plan.connector}"
    if not summary and not plan.notices:
        return f"{kinds}: nothing to do"
    head = ", ".join(f"{count} {what}" for what, count in summary.items()) or "no changes"
    return "\n".join([f"{kinds}: {head}", *lines]) if verbose else f"{kinds}: {head}"
