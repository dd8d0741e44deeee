"""The Obsidian Tasks line parser and surgical writer: examples and properties."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from zoneinfo import available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.connectors.markdown import (
    FieldKind,
    TaskEdit,
    TaskLine,
    clean_description,
    edit_task_line,
    encode_description,
    parse_task_line,
)

EMOJI = "🔺⏫🔼🔽⏬✅❌📅📆🗓⏰⏳⌛🛫➕🔁🏁🆔⛔"


def parsed(line: str) -> TaskLine:
    task = parse_task_line(line)
    assert task is not None, line
    return task


# --- examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Just prose",
        "- plain list item",
        "- [x](https://example.com) a link, not a task",
        "-[ ] no space after the marker",
        "- [ ]no space after the box",
        "| - [ ] in a table |",
        "1.[ ] no space",
    ],
)
def test_non_task_lines(line: str) -> None:
    assert parse_task_line(line) is None


def test_full_line_is_parsed_from_the_end() -> None:
    line = "  > - [x] Pay #bills rent #home 🔁 every month ⏫ 📅 2025-12-01 ✅ 2025-12-02 ^omi-abc"
    task = parsed(line)
    assert (task.indent, task.marker, task.status) == ("  > ", "-", "x")
    assert task.description == "Pay #bills rent"
    assert task.tags == ("#bills", "#home")
    assert task.recurrence == "every month"
    assert task.due == date(2025, 12, 1)
    assert task.done_date == date(2025, 12, 2)
    assert task.block_id == "omi-abc"
    assert task.is_done
    kinds = [f.kind for f in task.fields]
    assert kinds == [
        FieldKind.TAG,
        FieldKind.RECURRENCE,
        FieldKind.PRIORITY,
        FieldKind.DUE,
        FieldKind.DONE,
    ]


def test_text_after_the_fields_turns_them_into_description() -> None:
    task = parsed("- [ ] Call 📅 2025-01-02 after lunch")
    assert task.due is None
    assert task.description == "Call 📅 2025-01-02 after lunch"


def test_vs16_and_missing_space_are_tolerated() -> None:
    assert parsed("- [ ] a 📅️2025-01-02").due == date(2025, 1, 2)
    assert parsed("- [ ] a 🗓️ 2025-01-03").due == date(2025, 1, 3)
    assert parsed("- [ ] a ⏫️").first(FieldKind.PRIORITY) is not None


def test_not_a_real_date_is_kept_but_not_a_due() -> None:
    line = "- [ ] a 📅 2025-02-30"
    assert parsed(line).due is None
    assert edit_task_line(line, TaskEdit(due=date(2025, 3, 1))) == "- [ ] a 📅 2025-03-01"


def test_leftmost_duplicate_field_wins_like_tasks() -> None:
    task = parsed("- [ ] a 📅 2025-01-01 📅 2025-02-02")
    assert task.due == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("line", "edit", "expected"),
    [
        ("- [ ] a", TaskEdit(done=True, done_date=date(2025, 1, 2)), "- [x] a ✅ 2025-01-02"),
        ("- [x] a ✅ 2025-01-02 ^omi-z", TaskEdit(done=False), "- [ ] a ^omi-z"),
        ("- [-] a", TaskEdit(done=True, done_date=date(2025, 1, 2)), "- [-] a"),
        (
            "- [ ] a ✅ 2025-01-02",
            TaskEdit(due=date(2025, 1, 1)),
            "- [ ] a 📅 2025-01-01 ✅ 2025-01-02",
        ),
        ("- [ ] a 📆 2025-01-01", TaskEdit(due=date(2026, 6, 7)), "- [ ] a 📆 2026-06-07"),
        ("- [ ] a 📅 2025-01-01 #t", TaskEdit(due=None), "- [ ] a #t"),
        ("- [ ] 📅 2025-01-01", TaskEdit(description="new"), "- [ ] new 📅 2025-01-01"),
        ("- [ ]", TaskEdit(description="x", block_id="omi-q"), "- [ ] x ^omi-q"),
        ("- [ ] a ^old  ", TaskEdit(block_id="omi-new"), "- [ ] a ^omi-new  "),
        ("- [ ] a ^old", TaskEdit(block_id=None), "- [ ] a"),
        ("- [ ] a\tb  ", TaskEdit(description="line\r\nbreak"), "- [ ] line break  "),
    ],
)
def test_edits(line: str, edit: TaskEdit, expected: str) -> None:
    assert edit_task_line(line, edit) == expected


def test_removing_fields_that_open_the_body_does_not_clash() -> None:
    """Both removals take the space between ✅ and 📅 (found by a property over field-only
    descriptions): the edit must not fail."""
    line = "- [ ] ✅ 2000-01-01 📅 2000-01-01 ^omi-x"
    task = parsed(edit_task_line(line, TaskEdit(description="Water", done=False, due=None)))
    assert (task.description, task.fields, task.block_id) == ("Water", (), "omi-x")


def test_edit_refuses_non_task_and_bad_block_id() -> None:
    with pytest.raises(ValueError, match="not a task line"):
        edit_task_line("prose", TaskEdit(done=True))
    with pytest.raises(ValueError, match="block id"):
        edit_task_line("- [ ] a", TaskEdit(block_id="has space"))


# --- properties -------------------------------------------------------------------------------

_word_chars = st.characters(
    blacklist_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn", "Mn", "Me"),
    blacklist_characters=EMOJI + "\ufe0f\u00a0",
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))
tags = st.from_regex(r"#[A-Za-z][A-Za-z0-9/_-]{0,8}", fullmatch=True)
# Words hold #, ^, [ and ] (any character but the field emoji); some words are field-like
# tokens (a tag, a block id, an emoji signifier with or without its value), as Omi text may be.
words = st.one_of(
    st.text(_word_chars, min_size=1, max_size=8),
    tags,
    st.from_regex(r"\^[a-z0-9-]{1,6}|\[\[[a-z]{1,5}\]\]|\\#[a-z]{1,3}", fullmatch=True),
    st.sampled_from(EMOJI),
    st.tuples(st.sampled_from("✅📅⏳🛫➕❌"), dates).map(lambda p: f"{p[0]} {p[1].isoformat()}"),
    st.sampled_from(["🔁 every week", "🏁 delete", "🆔 ab1", "⛔ ab1"]),
)
descriptions = st.lists(words, min_size=1, max_size=6).map(" ".join)
# What a user types before the fields (no field-like token: the fields are drawn separately).
_plain_words = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn", "Mn", "Me"),
        blacklist_characters="#^[]" + EMOJI + "\ufe0f\u00a0",
    ),
    min_size=1,
    max_size=8,
)
line_descriptions = st.lists(_plain_words, min_size=1, max_size=6).map(" ".join)


@st.composite
def foreign_fields(draw: st.DrawFn) -> str:
    """A token omisync does not own, as a user might write it."""
    vs16 = draw(st.sampled_from(["", "\ufe0f"]))
    gap = draw(st.sampled_from([" ", "", "  "]))
    return draw(
        st.one_of(
            tags,
            st.sampled_from("🔺⏫🔼🔽⏬").map(lambda s: s + vs16),
            st.tuples(st.sampled_from("⏳⌛🛫➕❌"), dates).map(
                lambda p: f"{p[0]}{vs16}{gap}{p[1].isoformat()}"
            ),
            st.from_regex(r"every [1-9]? ?(day|week|month)s?", fullmatch=True).map(
                lambda r: f"🔁 {r}"
            ),
            st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True).map(lambda i: f"🆔 {i}"),
            st.sampled_from(["🏁 delete", "🏁 keep", "⛔ ab,cd"]),
        )
    )


@st.composite
def task_lines(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "  ", "\t", "> ", "> > ", "    ", "\t> "]))
    marker = draw(st.sampled_from(["-", "*", "+", "1.", "12)"]))
    status = draw(st.sampled_from([" ", "x", "X", "-", "/", ">"]))
    parts = [draw(line_descriptions)]
    fields = draw(st.lists(foreign_fields(), max_size=4))
    due = draw(st.none() | dates)
    if due is not None:
        fields.insert(draw(st.integers(0, len(fields))), f"📅 {due.isoformat()}")
    if status in "xX" and draw(st.booleans()):
        fields.append(f"✅ {draw(dates).isoformat()}")
    parts += fields
    block = draw(st.none() | st.from_regex(r"(omi-)?[a-z0-9]{1,10}", fullmatch=True))
    if block is not None:
        parts.append("^" + block)
    trailing = draw(st.sampled_from(["", " ", "  ", " \t"]))
    return f"{indent}{marker} [{status}] " + " ".join(parts) + trailing


edits = st.builds(
    TaskEdit,
    description=descriptions,
    done=st.booleans(),
    due=st.none() | dates,
    done_date=dates,
    block_id=st.none() | st.from_regex(r"omi-[a-z0-9]{1,10}", fullmatch=True),
)


def foreign(task: TaskLine) -> list[tuple[str, str, str]]:
    owned = {FieldKind.DUE, FieldKind.DONE}
    return [(f.kind.value, f.symbol, f.value) for f in task.fields if f.kind not in owned]


@given(task_lines())
def test_keeping_everything_changes_nothing(line: str) -> None:
    task = parsed(line)
    same = TaskEdit(
        description=task.description, done=task.is_done, due=task.due, block_id=task.block_id
    )
    assert edit_task_line(line, same) == line


@given(task_lines(), edits)
def test_write_then_parse_gives_the_edit_and_keeps_the_rest(line: str, edit: TaskEdit) -> None:
    """Omi's text is written through encode_description: the line then reads back as exactly
    that text, or the text is refused because Tasks would read part of it as fields."""
    before = parsed(line)
    text = clean_description(str(edit.description))
    try:
        edit = replace(edit, description=encode_description(text))
    except ValueError as refusal:
        if "would read" in str(refusal):
            assert parsed(f"- [ ] {text} ^omi-x").description != text
        elif "block id" in str(refusal):
            assert parsed(f"- [ ] {text}").block_id is not None
        else:
            assert "\\#" in text
        return
    after_line = edit_task_line(line, edit)
    after = parsed(after_line)
    assert after.text == text
    assert not set(after.tags) - set(before.tags)  # Omi's text adds no tag to the line
    assert after.is_done is edit.done
    assert after.due == edit.due
    assert after.block_id == edit.block_id
    if edit.done and not before.is_done:
        assert after.done_date == edit.done_date
    if not edit.done:
        assert after.first(FieldKind.DONE) is None
    assert foreign(after) == foreign(before)
    assert (after.indent, after.marker) == (before.indent, before.marker)
    assert after_line[len(after_line.rstrip()) :] == line[len(line.rstrip()) :]
    assert edit_task_line(after_line, edit) == after_line  # stable: writing again is a no-op


@given(st.text(st.characters(blacklist_characters="\r\n"), max_size=200))
def test_any_line_parses_without_error(line: str) -> None:
    task = parse_task_line(line)
    if task is not None:
        assert edit_task_line(line, TaskEdit()) == line
        assert task.description_start <= task.description_end <= task.content_end <= len(line)


@contextmanager
def process_zone(zone: str) -> Iterator[None]:
    """Run the block with the process time zone (``TZ``) set to ``zone``."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


ZONES = sorted(available_timezones())


@settings(max_examples=60)
@given(zone=st.sampled_from(ZONES), due=dates, line=task_lines())
def test_a_date_only_due_never_shifts_in_any_zone(zone: str, due: date, line: str) -> None:
    with process_zone(zone):
        written = edit_task_line(line, TaskEdit(due=due))
        assert parsed(written).due == due
        assert f"📅 {due.isoformat()}" in written or due.isoformat() in written


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Buy milk #groceries", "Buy milk \\#groceries"),
        ("Raise x^2 in the notes", "Raise x^2 in the notes"),
        ("Ask about ^ signs", "Ask about ^ signs"),
    ],
)
def test_encode_description_keeps_text_that_reads_back(text: str, written: str) -> None:
    assert encode_description(text) == written
    assert parsed(f"- [ ] {written} ^omi-x").text == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Meeting notes 📅 2026-01-01", "would read as the task's due"),
        ("Check the build ^b7", "reads as a block id"),
        ("^0", "reads as a block id"),
        ("Keep \\#raw", "cannot tell from an escaped '#'"),
    ],
)
def test_encode_description_refuses_text_the_vault_would_read_otherwise(
    text: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        encode_description(text)
