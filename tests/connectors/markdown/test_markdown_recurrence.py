"""Next dates of simple Tasks recurrence rules."""

from __future__ import annotations

from datetime import date

import pytest

from omisync.connectors.markdown.recurrence import next_date

DONE = date(2025, 12, 10)


@pytest.mark.parametrize(
    ("rule", "due", "expected"),
    [
        ("every day", date(2025, 12, 8), date(2025, 12, 9)),
        ("every 3 days", date(2025, 12, 8), date(2025, 12, 11)),
        ("every week", date(2025, 12, 8), date(2025, 12, 15)),
        ("every 2 weeks", date(2025, 12, 8), date(2025, 12, 22)),
        ("every month", date(2025, 1, 31), date(2025, 2, 28)),
        ("every 12 months", date(2024, 2, 29), date(2025, 2, 28)),
        ("every year", date(2025, 12, 8), date(2026, 12, 8)),
        ("Every Week when done", date(2025, 12, 1), date(2025, 12, 17)),
        ("every week", None, date(2025, 12, 17)),
        ("every month on the 1st", date(2025, 12, 1), None),
        ("every monday", date(2025, 12, 1), None),
    ],
)
def test_next_date(rule: str, due: date | None, expected: date | None) -> None:
    assert next_date(rule, due, DONE) == expected
