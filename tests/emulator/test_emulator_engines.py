"""The emulator's pure parts: the conversation pipeline, content-derived ids and the fixed-window
rate limiter, attacked with Hypothesis and pinned with examples."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.emulator import Bucket, RateLimitConfig
from omisync.emulator.identity import memory_id_from_content
from omisync.emulator.pipeline import (
    ACTION_TRIGGERS,
    MAX_MEMORIES,
    MIN_CONTENT_WORDS,
    TITLE_MAX_WORDS,
    categorize_memory,
    content_words,
    process_text,
)
from omisync.emulator.throttle import RateLimiter

MONDAY = datetime(2026, 4, 6, 9, 30, tzinfo=UTC)

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=9)
sentences = st.lists(words, min_size=1, max_size=8).map(lambda ws: " ".join(ws))


# ---------------------------------------------------------------- pipeline


@given(st.text(max_size=400), st.datetimes(timezones=st.just(UTC)))
def test_pipeline_invariants_hold_for_any_text(text: str, started: datetime) -> None:
    result = process_text(text, started)

    assert result.discarded == (len(content_words(text)) < MIN_CONTENT_WORDS)
    assert len(result.memories) <= MAX_MEMORIES
    if result.discarded:
        assert (result.action_items, result.memories, result.title) == ((), (), "")
    for item in result.action_items:
        assert 0 < len(item.description) <= 500
        assert content_words(item.description)
        if item.due_at is not None:
            assert started.date() <= item.due_at.date() <= (started + timedelta(days=7)).date()
    assert len(result.title.split()) <= TITLE_MAX_WORDS
    assert not result.title.endswith(tuple(".,;:!?-–—…")), result.title
    assert result.title == result.title.strip()


@pytest.mark.parametrize(
    ("first_sentence", "title"),
    [
        (
            "I love the new bakery on our street, the sourdough is amazing.",
            "I love the new bakery on our street",
        ),
        ("The meeting ran long; we decided to push the launch to May.", "The meeting ran long"),
        (
            "We talked about the garden and the weather and the kids today.",
            "We talked about the garden and the weather",
        ),
        ("Yesterday, we went to the market and bought apples.", "Yesterday, we went to the market"),
        ("Call mom!!!", "Call mom"),
        ("we met the client about the launch plan.", "We met the client about the launch plan"),
    ],
)
def test_titles_end_cleanly(first_sentence: str, title: str) -> None:
    text = f"{first_sentence} We need to plan the budget for the garden project."

    assert process_text(text, MONDAY).title == title


@given(st.lists(st.tuples(st.sampled_from(ACTION_TRIGGERS), sentences), min_size=1, max_size=5))
def test_every_trigger_sentence_becomes_an_action_item(
    tasks: list[tuple[str, str]],
) -> None:
    filler = "We talked about the garden and the weather today."
    text = " ".join([filler, *(f"{trigger} {rest}." for trigger, rest in tasks)])

    result = process_text(text, MONDAY)

    expected = [rest[:1].upper() + rest[1:] for _, rest in tasks if content_words(rest)]
    assert [item.description for item in result.action_items] == expected


@pytest.mark.parametrize(
    ("sentence", "description", "due"),
    [
        ("TODO: buy oat milk.", "Buy oat milk", None),
        ("Anna: so I'll call the plumber tomorrow.", "Call the plumber tomorrow", 1),
        ("Remind me to water the plants tonight!", "Water the plants tonight", 0),
        ("We should ship the release on Friday.", "Ship the release on Friday", 4),
        ("I need to renew the lease next Monday.", "Renew the lease next Monday", 7),
        ("Don't forget to send the invoice next week.", "Send the invoice next week", 7),
    ],
)
def test_action_item_examples(sentence: str, description: str, due: int | None) -> None:
    text = f"We had a long planning session about the apartment. {sentence}"

    [item] = process_text(text, MONDAY).action_items

    assert item.description == description
    if due is None:
        assert item.due_at is None
    else:
        assert item.due_at == datetime(2026, 4, 6 + due, 17, 0, tzinfo=UTC)


def test_memories_and_categories_examples() -> None:
    text = (
        "The doctor said my sleep and diet look fine. I usually run before work. "
        "Fun fact: the gym opens at six. My brother lives in Porto. I love cycling. "
        "I prefer tea over coffee."
    )

    result = process_text(text, MONDAY)

    assert result.category == "health"
    assert result.emoji == "🏥"
    assert [(m.content, m.category) for m in result.memories] == [
        ("I usually run before work.", "system"),
        ("Fun fact: the gym opens at six.", "interesting"),
        ("My brother lives in Porto.", "system"),
        ("I love cycling.", "system"),
    ]
    assert categorize_memory("User prefers dark mode") == "system"
    assert categorize_memory("Honey never spoils") == "interesting"


def test_short_chatter_is_discarded() -> None:
    for chatter in ("", "hi", "ok thanks, bye!", "yeah yeah sure, right"):
        assert process_text(chatter, MONDAY).discarded


# ---------------------------------------------------------------- ids


@given(st.text(min_size=1).filter(lambda s: s.strip()), st.text(alphabet=" \t\n", max_size=3))
def test_memory_ids_are_uuid4_shaped_and_ignore_surrounding_whitespace(
    content: str, padding: str
) -> None:
    memory_id = memory_id_from_content(content)

    parsed = uuid.UUID(memory_id)
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    assert memory_id_from_content(padding + content + padding) == memory_id


@given(
    st.lists(st.text(min_size=1).map(str.strip).filter(bool), min_size=2, max_size=20, unique=True)
)
def test_distinct_contents_get_distinct_ids(contents: list[str]) -> None:
    assert len({memory_id_from_content(c) for c in contents}) == len(contents)


# ---------------------------------------------------------------- rate limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=200)
@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), max_size=40),
)
def test_backend_fixed_windows_never_admit_more_than_the_limit(
    limit: int, gaps: list[float]
) -> None:
    clock = FakeClock()
    window = 2.0
    config = RateLimitConfig(
        profile="backend", overrides={"dev:memories_read": Bucket(limit, window)}
    )
    limiter = RateLimiter(config, monotonic=clock, wall=clock)
    window_start: float | None = None
    seen_in_window = 0
    for gap in gaps:
        clock.now += gap
        if window_start is None or clock.now >= window_start + window:
            window_start, seen_in_window = clock.now, 0
        seen_in_window += 1

        decision = limiter.charge("key", "dev:memories_read")

        assert decision.allowed == (seen_in_window <= limit)
        if not decision.allowed:
            left = window_start + window - clock.now
            assert decision.retry_after == max(1, -(-left // 1))
            assert decision.refusal_headers["X-RateLimit-Remaining"] == "0"


def test_docs_profile_reports_the_tighter_of_minute_and_day() -> None:
    clock = FakeClock()
    config = RateLimitConfig(
        overrides={
            "docs:per_key_minute": Bucket(10, 60),
            "docs:per_user_day": Bucket(3, 86_400),
        }
    )
    limiter = RateLimiter(config, monotonic=clock, wall=lambda: 1_000_000.0)

    decisions = [limiter.charge(f"key{i % 2}", "dev:memories_read") for i in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.headers["X-RateLimit-Remaining"] for d in decisions] == ["2", "1", "0", "0"]
    assert decisions[0].headers["X-RateLimit-Limit"] == "10"
    assert decisions[0].headers["X-RateLimit-Reset"] == str(1_000_000 + 86_400)
    assert decisions[3].refusal_headers == {"Retry-After": "86400"}
