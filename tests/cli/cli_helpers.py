"""An omisync installation in a temporary folder for the command-line tests: a Markdown vault,
a config whose Omi is the emulator (key from ``${OMI_API_KEY}`` or a key file), a state DB."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from omisync.config import Config, load_config
from omisync.emulator import RunningEmulator
from omisync.plugins import connector_types, options_model


class VaultSetup:
    """A vault at ``root/vault`` synced with ``emulator`` through ``root/config.yaml``.

    ``key`` is the Omi key the config names (by default the emulator's own); the config reads
    it from ``$OMI_API_KEY`` unless :meth:`write_config` is told to use a key file.
    """

    def __init__(self, root: Path, emulator: RunningEmulator, *, key: str | None = None) -> None:
        self.root = root
        self.emulator = emulator
        self.key = key or emulator.api_key
        self.vault = root / "vault"
        self.vault.mkdir()
        self.config_path = root / "config.yaml"
        self.state_path = root / "state" / "state.db"
        self.write_config()

    def write_config(self, *, key_file: bool = False, interval: str = "10m") -> None:
        """Write the config (mode 0600): the key via ``${OMI_API_KEY}``, or ``api_key_file``."""
        if key_file:
            secret = self.root / "omi.key"
            secret.write_text(self.key + "\n", encoding="utf-8")
            secret.chmod(0o600)
            key_line = f"api_key_file: {secret}"
        else:
            key_line = "api_key: ${OMI_API_KEY}"
        self.config_path.write_text(
            textwrap.dedent(
                f"""\
                omi:
                  base_url: {self.emulator.base_url}
                  {key_line}
                  timezone: UTC
                  timeout: 5
                state:
                  path: {self.state_path}
                connectors:
                  vault:
                    type: markdown
                    path: {self.vault}
                    interval: {interval}
                    settle: 0
                """
            ),
            encoding="utf-8",
        )
        self.config_path.chmod(0o600)

    def env(self) -> dict[str, str]:
        """The environment of an omisync process: only what it needs, plus the key."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "OMI_API_KEY": self.key,
        }

    def config(self) -> Config:
        """The config as omisync loads it."""
        return load_config(
            self.config_path,
            env=self.env(),
            options_schema=options_model,
            known_types=connector_types,
        )

    def write(self, relative: str, text: str) -> Path:
        """Write a vault file (dedented)."""
        path = self.vault / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def omisync(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``python -m omisync ARGS --config <ours>`` and return what it did."""
        return subprocess.run(
            [sys.executable, "-m", "omisync", *args, "--config", str(self.config_path)],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=timeout,
            check=False,
        )
