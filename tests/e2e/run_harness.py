"""Drive ``omisync run --once`` as a real subprocess against the Omi emulator.

A :class:`SyncHarness` is one omisync installation in a temporary folder: ``config.yaml``
(Omi = the emulator, its key passed as ``${OMI_API_KEY}``), a state DB path, and a JSON box
(the ``jsonfile`` test connector's file). The subprocess runs ``python -m omisync`` with the
test plugin folder on its ``PYTHONPATH``, so the connector is discovered through its entry
point exactly as a third-party one would be.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonfile_connector import Box, read_box, write_box
from plugin_install import CONNECTOR_TYPE

from omisync.emulator import RunningEmulator

#: The connector most tests sync.
BOX = "box"
TIMEZONE = "Europe/Berlin"


def output(result: subprocess.CompletedProcess[str]) -> str:
    """What the command printed, stdout then stderr."""
    return result.stdout + result.stderr


class SyncHarness:
    """One omisync installation for one test (see the module docstring).

    ``root`` is the test's own folder; ``emulator`` the running Omi emulator; ``plugin_path``
    the folder :func:`plugin_install.install_jsonfile_plugin` filled.
    """

    def __init__(self, root: Path, emulator: RunningEmulator, plugin_path: Path) -> None:
        self.root = root
        self.emulator = emulator
        self.plugin_path = plugin_path
        self.config_path = root / "config.yaml"
        self.state_path = root / "state" / "state.db"
        self.box_path = root / "box.json"
        write_box(self.box_path, {"task": {}, "note": {}})
        self.configure()

    # --- configuration ------------------------------------------------------------------------

    def box_settings(self, path: Path | None = None, **overrides: Any) -> dict[str, Any]:
        """The settings of a jsonfile connector on ``path`` (default: the harness's box)."""
        settings: dict[str, Any] = {
            "type": CONNECTOR_TYPE,
            "path": str(path or self.box_path),
            "on_delete": "delete",
        }
        settings.update(overrides)
        return settings

    def configure(
        self,
        *,
        omi: Mapping[str, Any] | None = None,
        connectors: Mapping[str, Mapping[str, Any]] | None = None,
        **box_overrides: Any,
    ) -> None:
        """Write ``config.yaml``: the emulator as Omi (``omi`` keys override), the state DB,
        and the connectors (default: only :data:`BOX`, with ``box_overrides``)."""
        omi_settings: dict[str, Any] = {
            "base_url": self.emulator.base_url,
            "api_key": "${OMI_API_KEY}",
            "timezone": TIMEZONE,
            "timeout": 10,
            "rate_limit": {"per_minute": 100_000, "per_day": 10_000_000},
        }
        omi_settings.update(omi or {})
        config = {
            "omi": omi_settings,
            "state": {"path": str(self.state_path)},
            "connectors": dict(connectors or {BOX: self.box_settings(**box_overrides)}),
        }
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        self.config_path.chmod(0o600)

    # --- running ------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The subprocess environment: the plugin folder on PYTHONPATH, the emulator's key."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMISYNC_")}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(self.plugin_path), os.environ.get("PYTHONPATH")) if p
        )
        env["OMI_API_KEY"] = self.emulator.api_key
        env["XDG_STATE_HOME"] = str(self.root / "xdg-state")
        return env

    def command(self, *args: str) -> list[str]:
        """``python -m omisync run --once --config <config.yaml> *args``."""
        return [
            sys.executable,
            "-m",
            "omisync",
            "run",
            "--once",
            "--config",
            str(self.config_path),
            *args,
        ]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``omisync run --once *args`` to its end; return its exit code and output."""
        return subprocess.run(
            self.command(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start ``omisync run --once *args`` without waiting (its output is discarded)."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    # --- the two sides ------------------------------------------------------------------------

    def box(self) -> Box:
        """The box file's content."""
        return read_box(self.box_path)

    def add_to_box(self, kind: str, *items: Mapping[str, Any]) -> list[str]:
        """Add ``items`` (projection fields) to the box as a user would; return their ids."""
        box = self.box()
        ids = [f"user-{kind}-{secrets.token_hex(4)}" for _ in items]
        box[kind].update({item_id: dict(item) for item_id, item in zip(ids, items, strict=True)})
        write_box(self.box_path, box)
        return ids

    def omi_tasks(self) -> list[dict[str, Any]]:
        """Every action item the emulator stores."""
        return self.emulator.records()["action_items"]

    def omi_notes(self) -> list[dict[str, Any]]:
        """Every memory the emulator stores."""
        return self.emulator.records()["memories"]

    def omi_writes(self) -> int:
        """How many write requests (POST/PATCH/DELETE) Omi answered since the last clear."""
        writes: int = self.emulator.stats()["writes"]
        return writes
