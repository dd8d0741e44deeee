"""Fixtures of the conversation-flow tests (helpers: ``conversation_rig``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation_rig import Rig

from omisync.emulator import RunningEmulator


@pytest.fixture
def rig(omi_emulator: RunningEmulator, tmp_path: Path) -> Iterator[Rig]:
    """Flows of one vault against the shared, emptied emulator, with a state DB in tmp_path."""
    made = Rig(omi_emulator, tmp_path)
    yield made
    made.close()
