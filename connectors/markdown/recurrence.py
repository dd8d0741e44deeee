"""The next date of a simple Obsidian Tasks recurrence rule.

Only the plain interval rules are understood: ``every day``, ``every 3 days``, ``every week``,
``every 2 weeks``, ``every month``, ``every 6 months``, ``every year`` (``when done`` counts from
the completion day instead of the due day). Richer rules (weekdays, "on the 1st", ...) return
None: omisync then only ticks the task, and ticking it in Obsidian lets Tasks create the next one.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Final

__all__ = ["next_date"]

_RULE_RE: Final = re.compile(
    r"every(?: (?P<count>[1-9][0-9]{0,3}))? (?P<unit>day|week|month|year)s?(?P<done> when done)?",
    re.IGNORECASE,
)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_date(rule: str, due: date | None, done_on: date) -> date | None:
    """The next due of a task recurring by ``rule`` that was due ``due`` and done ``done_on``.

    Returns None when the rule is not a plain interval rule (see the module docstring).
    """
    found = _RULE_RE.fullmatch(rule.strip())
    if found is None:
        return None
    count = int(found.group("count") or 1)
    base = done_on if found.group("done") or due is None else due
    unit = found.group("unit").lower()
    if unit == "day":
        return base + timedelta(days=count)
    if unit == "week":
        return base + timedelta(weeks=count)
    return _add_months(base, count * (12 if unit == "year" else 1))
