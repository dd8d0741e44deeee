"""check_missing: a side is asked about missing linked items at a bounded cost, in order,
never about one twice, and a check cut short says why it stopped."""

from __future__ import annotations

from collections import Counter

from engine_fakes import MemorySide, task
from hypothesis import given
from hypothesis import strategies as st

from omisync.sync.links import Kind
from omisync.sync.missing import UNSURE_SAMPLE, check_missing
from omisync.sync.side import Presence


def side_answering(answers: list[Presence], kind: Kind = Kind.TASK) -> tuple[MemorySide, list[str]]:
    """A side whose i-th missing id of ``kind`` is gone, locked or present as ``answers[i]``
    says."""
    side = MemorySide("omi", "o")
    ids = [f"o{number}" for number in range(len(answers))]
    for item_id, presence in zip(ids, answers, strict=True):
        if presence is not Presence.GONE:
            side.items[kind][item_id] = task(item_id)
        if presence is Presence.LOCKED:
            side.locked.add(item_id)
    return side, ids


@given(
    answers=st.lists(st.sampled_from(list(Presence)), max_size=80),
    allowed=st.none() | st.integers(min_value=0, max_value=30),
)
def test_the_side_is_asked_in_order_within_the_bound_until_the_answer_is_clear(
    answers: list[Presence], allowed: int | None
) -> None:
    side, ids = side_answering(answers)

    checked = check_missing(side, Kind.TASK, ids, allowed=allowed)

    asked = [item_id for call in side.verify_calls for item_id in call]
    assert asked == ids[: len(asked)]  # in order, each id once
    assert checked.answers == dict(zip(asked, answers, strict=False))
    found = Counter(checked.answers.values())
    unsure = found[Presence.LOCKED] + found[Presence.PRESENT]
    if allowed is None:
        assert checked.complete and len(side.verify_calls) <= 1
        return
    assert len(asked) <= allowed + UNSURE_SAMPLE
    assert found[Presence.GONE] <= allowed + 1 and unsure <= UNSURE_SAMPLE  # no overshoot
    if not checked.complete:
        assert checked.too_many_gone or unsure == UNSURE_SAMPLE
    assert checked.too_many_gone == (found[Presence.GONE] > allowed)
    assert checked.gone == {i for i, seen in checked.answers.items() if seen is Presence.GONE}


def test_an_incomplete_check_says_what_it_found_and_how_to_go_on() -> None:
    answers = [Presence.LOCKED] * 8 + [Presence.PRESENT] * 2 + [Presence.GONE]
    side, ids = side_answering(answers, Kind.NOTE)

    checked = check_missing(side, Kind.NOTE, ids, allowed=3)

    assert not checked.complete and not checked.too_many_gone
    assert checked.explain(Kind.NOTE, "Omi", "vault", "3 of 11 linked items per run") == (
        "11 linked notes are missing from Omi's listing, more than max_delete allows deleting "
        "in vault (3 of 11 linked items per run); of the first 10 checked, 8 locked (hidden "
        "from listings, e.g. by a lapsed paid plan), 2 still there, so the others were not "
        "checked (a request each) and none is taken as deleted. Locked items sync again once "
        "Omi shows them; if notes were deleted on purpose, run again with --confirm-deletes"
    )
