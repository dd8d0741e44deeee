"""Fixtures of the end-to-end tests of ``omisync run --once``.

- ``jsonfile_plugin``: a folder (once per session) holding the test-only ``jsonfile``
  connector and its dist-info, for the subprocess's ``PYTHONPATH``.
- ``harness``: a :class:`run_harness.SyncHarness` on the shared, emptied Omi emulator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_install import install_jsonfile_plugin
from run_harness import SyncHarness

from omisync.emulator import RunningEmulator


@pytest.fixture(scope="session")
def jsonfile_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin folder to put on the subprocess's PYTHONPATH."""
    return install_jsonfile_plugin(tmp_path_factory.mktemp("plugins"))


@pytest.fixture
def harness(omi_emulator: RunningEmulator, tmp_path: Path, jsonfile_plugin: Path) -> SyncHarness:
    """An omisync installation in ``tmp_path`` syncing the box with the emptied emulator."""
    return SyncHarness(tmp_path, omi_emulator, jsonfile_plugin)
