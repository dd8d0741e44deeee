"""Reading Retry-After and X-RateLimit-* headers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omisync.ratelimit import ServerFeedback, read_feedback

NOW = 1_700_000_000.0


def test_backend_429_headers() -> None:
    feedback = read_feedback(
        {"Retry-After": "1734", "X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0"}, NOW
    )
    assert feedback == ServerFeedback(retry_after=1734, limit=120, remaining=0, reset_after=None)


def test_docs_headers_with_an_absolute_reset() -> None:
    feedback = read_feedback(
        {
            "x-ratelimit-limit": "100",
            "x-ratelimit-remaining": "95",
            "x-ratelimit-reset": str(int(NOW) + 30),
        },
        NOW,
    )
    assert feedback == ServerFeedback(limit=100, remaining=95, reset_after=30)


def test_a_small_reset_is_seconds_from_now() -> None:
    assert read_feedback({"X-RateLimit-Reset": "12"}, NOW).reset_after == 12


@pytest.mark.parametrize("garbage", ["soon", "", "-5x", "nan", "inf", "Mon, 99 Foo"])
def test_garbled_headers_are_ignored(garbage: str) -> None:
    feedback = read_feedback(
        {"Retry-After": garbage, "X-RateLimit-Limit": garbage, "X-RateLimit-Reset": garbage}, NOW
    )
    assert feedback.retry_after is None and feedback.limit is None
    assert feedback.reset_after is None


def test_no_headers_is_empty() -> None:
    assert read_feedback({"Content-Type": "application/json"}, NOW).is_empty


@given(st.integers(0, 10**6))
def test_retry_after_seconds_round_trip(seconds: int) -> None:
    assert read_feedback({"Retry-After": str(seconds)}, NOW).retry_after == seconds


@given(st.integers(-3600, 86_400))
def test_retry_after_http_date_is_a_delay_from_now(offset: int) -> None:
    moment = datetime.fromtimestamp(NOW + offset, UTC)
    delay = read_feedback({"Retry-After": format_datetime(moment, usegmt=True)}, NOW).retry_after
    assert delay == max(0, offset)
