"""How OmiSide reports failures: refused keys and scopes, outages, rate limits and refused
content become the Side error types, with messages that name the step and the remedy."""

from __future__ import annotations

import pytest
from omi_side_helpers import ZONE, MakeClient, task

from omisync.emulator import READ_ONLY_SCOPES, RunningEmulator
from omisync.omi import LockedError, NotFoundError, OmiError, ValidationError
from omisync.omi_side import OmiSide
from omisync.omi_side.errors import side_error
from omisync.sync.links import Kind
from omisync.sync.side import (
    AccessError,
    Change,
    ItemGoneError,
    ItemLockedError,
    ItemRejectedError,
    Side,
    TransientError,
)

UNKNOWN_KEY = "omi_dev_" + "0" * 32


def test_omi_side_is_a_side_named_omi(side: OmiSide) -> None:
    assert isinstance(side, Side)
    assert side.name == "omi"
    assert repr(side) == f"OmiSide(timezone={ZONE!r})"


def test_an_unknown_time_zone_is_refused_with_an_example(make_client: MakeClient) -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a known IANA time zone"):
        OmiSide(make_client(), timezone="Mars/Olympus")


@pytest.mark.parametrize("kind", list(Kind))
def test_a_refused_key_is_an_access_error_naming_the_remedy_but_never_the_key(
    make_client: MakeClient, kind: Kind
) -> None:
    side = OmiSide(make_client(api_key=UNKNOWN_KEY), timezone=ZONE)

    with pytest.raises(AccessError) as raised:
        side.snapshot(kind)

    message = str(raised.value)
    assert message.startswith("omi: listing Omi ")
    assert "HTTP 401" in message and "Invalid API Key" in message
    assert "check omi.api_key / the key's scopes" in message
    assert UNKNOWN_KEY not in message and "0" * 32 not in message


def test_a_key_without_write_scopes_reads_but_cannot_write(
    emu: RunningEmulator, make_client: MakeClient
) -> None:
    read_only = emu.create_key("read only", READ_ONLY_SCOPES)
    side = OmiSide(make_client(api_key=read_only), timezone=ZONE)
    [item_id] = emu.seed({"action_items": [{"description": "listed"}]})["action_items"]

    assert set(side.snapshot(Kind.TASK).items) == {item_id}
    with pytest.raises(AccessError, match="Required scope: action_items:write"):
        side.create(Kind.TASK, [task("new")])
    with pytest.raises(AccessError, match="omisync needs memories:read, memories:write"):
        side.update(Kind.TASK, [Change(item_id, {"done": True})])
    assert emu.records()["action_items"][0]["completed"] is False


def test_a_failing_listing_raises_and_never_answers_an_empty_snapshot(
    emu: RunningEmulator, side: OmiSide
) -> None:
    emu.seed({"action_items": [{"description": "there"}]})
    emu.set_faults(fail_next=2)  # the client tries twice

    with pytest.raises(TransientError) as raised:
        side.snapshot(Kind.TASK)

    assert "listing Omi action items failed" in str(raised.value)
    assert "HTTP 500" in str(raised.value)
    assert "tries again on the next run" in str(raised.value)


def test_a_rate_limit_is_transient_and_carries_the_wait(
    emu: RunningEmulator, make_client: MakeClient
) -> None:
    side = OmiSide(make_client(attempts=1), timezone=ZONE)
    emu.set_faults(storm_429=1, retry_after=7)

    with pytest.raises(TransientError) as raised:
        side.snapshot(Kind.NOTE)

    assert raised.value.retry_after == 7
    assert "rate limited" in str(raised.value)


def _answer(emu: RunningEmulator, make_client: MakeClient, kind: str) -> OmiError:
    """A real client error of ``kind`` from the emulator."""
    client = make_client(attempts=1)
    [memory_id] = emu.seed({"memories": [{"content": "M" * 90, "is_locked": kind == "locked"}]})[
        "memories"
    ]
    try:
        if kind == "rejected":
            client.memories.update(memory_id, visibility="friends")
        else:
            client.memories.update(
                "no-such-id" if kind == "gone" else memory_id, visibility="public"
            )
    except OmiError as error:
        return error
    raise AssertionError(f"the emulator accepted the {kind} request")


@pytest.mark.parametrize(
    ("kind", "client_error", "side_error_type"),
    [
        ("gone", NotFoundError, ItemGoneError),
        ("locked", LockedError, ItemLockedError),
        ("rejected", ValidationError, ItemRejectedError),
    ],
)
def test_item_errors_from_omi_map_to_item_side_errors(
    emu: RunningEmulator,
    make_client: MakeClient,
    kind: str,
    client_error: type[OmiError],
    side_error_type: type[Exception],
) -> None:
    error = _answer(emu, make_client, kind)
    assert isinstance(error, client_error)

    mapped = side_error(error, "updating Omi memory m1")

    assert type(mapped) is side_error_type
    assert mapped.side == "omi"
    assert str(mapped).startswith(
        "omi: updating Omi memory m1 failed: PATCH /v1/dev/user/memories/"
    )
